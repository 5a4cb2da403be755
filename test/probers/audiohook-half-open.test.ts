import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { AUDIOHOOK_API_KEY, AUDIOHOOK_CLIENT_SECRET } from '../support/simulator-credentials.ts';
import { NO_DEPS } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';

/**
 * A half-open AudioHook server answers neither the ping nor the close transaction that follows
 * it. The session failed at the ping: it must be counted as `ping_timeout`, the class the
 * simulator's truth has for a stall, not as the `close_timeout` that came after (issue 9,
 * defect 4; found by test/runtime/session-accounting.test.ts). A normal end left unanswered
 * stays `close_timeout` (test/probers/audiohook-conformance.test.ts).
 */
describe('kind: audiohook against a half-open server', () => {
  let simulator: RunningSimulator;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator.close();
  });

  async function run(extra = '') {
    simulator = await startSimulator();
    const url = `${simulator.url.replace('http', 'ws')}/api/v1/audiohook/ws`;
    const recorder = recordingEvents();
    const yaml = `
targets:
  - name: audiohook
    kind: audiohook
    url: ${url}
    api_key: \${AH_KEY}
    client_secret: \${AH_SECRET}
    timeout: 2s
    interval: 30s
    session_length: 30s
    ping: { interval: 300ms, timeout: 500ms }
    close_timeout: 300ms
${extra}`;
    runners.push(
      await startSessionTarget(yaml, recorder, NO_DEPS, {
        AH_KEY: AUDIOHOOK_API_KEY,
        AH_SECRET: AUDIOHOOK_CLIENT_SECRET,
      }),
    );
    await eventually(
      () => Promise.resolve(recorder.of('connected').length >= 1 || undefined),
      8_000,
      'the session to open',
    );
    return recorder;
  }

  const firstEnd = async (recorder: ReturnType<typeof recordingEvents>): Promise<SessionEnd> => {
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1 || undefined),
      8_000,
      'the session to end',
    );
    return (recorder.of('closed')[0] as [SessionEnd])[0];
  };

  it('a stall ends the session as ping_timeout, though the close is unanswered too', async () => {
    const recorder = await run();
    expect(simulator.wsAction('audiohook', 'stall')).toBe(1);
    const end = await firstEnd(recorder);
    expect(end).toMatchObject({ code: 1005, reason: 'ping_timeout', abnormal: true });
    expect(end.message).toContain('no closed within 300 ms');
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('ping_timeout');
    // The client closed the socket itself, without a code, after its 408 error.
    await eventually(
      () =>
        Promise.resolve(
          simulator.truth().ws_endpoints.audiohook.closes.client_closed['1005'] === 1 || undefined,
        ),
      5_000,
      'the server to see the close',
    );
    expect(simulator.truth().ws_endpoints.audiohook.injected.stall).toBe(1);
    expect(simulator.truth().ws_endpoints.audiohook.client_errors).toBeGreaterThanOrEqual(1);
  });
});
