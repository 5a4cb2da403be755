import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { eventually } from '../support/wait.ts';
import { NO_DEPS } from '../support/probe-setup.ts';

const API_KEY = 'SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh';
const CLIENT_SECRET = 'TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=';
const CONNECTOR = '/api/v1/audioconnector/ws';
const MONITOR = '/api/v1/audiohook/ws';

/**
 * The prober plays Genesys against the strict simulator (docs/protocols.md §10.3): each case is
 * one server behaviour a Genesys client has to honour. The simulator rejects, and counts, any
 * audio the client sends while it should be paused, so "no rejections" proves the pause held.
 */
describe('kind: audiohook honours what the server asks for', () => {
  let simulator: RunningSimulator;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator.close();
  });

  async function run(path: string, extra: string, sessionLength = '2s') {
    simulator = await startSimulator();
    const url = `${simulator.url.replace('http', 'ws')}${path}`;
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
    session_length: ${sessionLength}
    frame_duration: 20ms
    ping: { interval: 500ms, timeout: 2s }
${extra}`;
    const runner = await startSessionTarget(yaml, recorder, NO_DEPS, {
      AH_KEY: API_KEY,
      AH_SECRET: CLIENT_SECRET,
    });
    runners.push(runner);
    return recorder;
  }

  const firstEnd = async (recorder: ReturnType<typeof recordingEvents>): Promise<SessionEnd> => {
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      10_000,
      'the session to end',
    );
    return (recorder.of('closed')[0] as [SessionEnd])[0];
  };

  it('startPaused: paused, no audio until resume, then resumed reporting the paused time', async () => {
    const recorder = await run(
      MONITOR,
      '    custom_config: { startPaused: true, resumeAfterMs: 600 }',
    );
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'completed', abnormal: false });
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.rejections).toEqual({});
    expect(truth).toMatchObject({ paused: 1, resumes_sent: 1, resumed: 1, close_transactions: 1 });
    // The position kept advancing while paused: resumed.discarded is the pause, in whole
    // frames, from before the resume was sent until it arrived.
    expect(truth.resumed_discarded_ms.max).toBeGreaterThanOrEqual(580);
    expect(truth.resumed_discarded_ms.max).toBeLessThan(1_500);
    // Audio flowed after the resume, and none before it.
    expect(truth.frames_received).toBeGreaterThan(10);
    expect(recorder.of('frame_sent').length).toBe(truth.frames_received);
    expect(recorder.of('violation')).toEqual([]);
  });

  it('discardTo: discarded names the skipped stream, then audio flows', async () => {
    const recorder = await run(MONITOR, '    custom_config: { discardToMs: 1000 }');
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'completed' });
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.rejections).toEqual({});
    expect(truth.discarded).toBe(1);
    expect(truth.discarded_ms).toMatchObject({ count: 1, max: 1_000 });
    expect(truth.frames_received).toBeGreaterThan(10);
  });

  it('server pause and resume: no audio in between, resumed reports the pause', async () => {
    const recorder = await run(
      MONITOR,
      '    custom_config: { pauseAfterMs: 300, resumeAfterMs: 500 }',
      '2500ms',
    );
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'completed' });
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.rejections).toEqual({});
    expect(truth).toMatchObject({ pauses_sent: 1, paused: 1, resumes_sent: 1, resumed: 1 });
    expect(truth.resumed_discarded_ms.max).toBeGreaterThanOrEqual(480);
    expect(truth.resumed_discarded_ms.max).toBeLessThan(1_500);
  });

  it('disconnect during open: the close transaction runs, the attempt fails', async () => {
    const recorder = await run(MONITOR, "    custom_config: { openFault: 'disconnect_error' }");
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'a failed open',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('server_error');
    await eventually(
      () => Promise.resolve(simulator.truth().ws_endpoints.audiohook.close_transactions >= 1),
      8_000,
      'the close transaction',
    );
    expect(recorder.of('connected')).toHaveLength(0);
  });

  it('an open never answered: error 408, then the close transaction with reason error', async () => {
    const recorder = await run(
      MONITOR,
      "    open_timeout: 300ms\n    custom_config: { openFault: 'silent' }",
    );
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'the open timeout',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('open_timeout');
    await eventually(
      () => Promise.resolve(simulator.truth().ws_endpoints.audiohook.close_transactions >= 1),
      8_000,
      'the close transaction',
    );
    const truth = simulator.truth().ws_endpoints.audiohook;
    // The runner may already be in its next attempt: at least one of each.
    expect(truth.opens_unanswered).toBeGreaterThanOrEqual(1);
    expect(truth.client_errors).toBeGreaterThanOrEqual(1);
    expect(truth.rejections).toEqual({});
  });

  it('a close never acknowledged: error 408, then the socket closes', async () => {
    const recorder = await run(
      MONITOR,
      "    close_timeout: 300ms\n    custom_config: { closeFault: 'silent' }",
      '600ms',
    );
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'close_timeout', abnormal: true });
    await eventually(
      () =>
        Promise.resolve(
          (simulator.truth().ws_endpoints.audiohook.closes.client_closed['1005'] ?? 0) >= 1,
        ),
      5_000,
      'the socket to close without a code',
    );
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.closes_unanswered).toBeGreaterThanOrEqual(1);
    expect(truth.client_errors).toBeGreaterThanOrEqual(1);
    expect(truth.close_transactions).toBe(0);
  });

  it('reconnect is only logged: the session runs its course', async () => {
    const recorder = await run(MONITOR, '    custom_config: { reconnectAfterMs: 200 }', '1s');
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'completed', abnormal: false });
    expect(simulator.truth().ws_endpoints.audiohook.reconnects_sent).toBe(1);
    expect(recorder.of('violation')).toEqual([]);
  });

  it('the connection probe offers the normal media list (the connector refuses none)', async () => {
    const recorder = await run(CONNECTOR, '    connection_probe: true');
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'completed', abnormal: false });
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth).toMatchObject({ connection_probes: 1, streams_opened: 0, frames_received: 0 });
    expect(truth.rejections).toEqual({});
    expect(recorder.of('frame_sent')).toHaveLength(0);
  });

  it('a skipped server seq ends the session as the reference client does', async () => {
    const recorder = await run(MONITOR, '', '5s');
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 8_000, 'open');
    simulator.wsAction('audiohook', 'skip_seq');
    expect(await firstEnd(recorder)).toMatchObject({ reason: 'protocol_error', abnormal: true });
    expect(recorder.of('violation')).toContainEqual(['seq']);
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth).toMatchObject({ client_errors: 1, close_transactions: 1 });
  });
});

describe('kind: audiohook measures Audio Connector bot audio as unpaced bursts', () => {
  let simulator: RunningSimulator;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator.close();
  });

  it('a conformant bot: time to first audio, no underruns, no RFC 3550 jitter', async () => {
    simulator = await startSimulator();
    const url = `${simulator.url.replace('http', 'ws')}${CONNECTOR}`;
    const recorder = recordingEvents();
    const runner = await startSessionTarget(
      `
targets:
  - name: audiohook
    kind: audiohook
    url: ${url}
    api_key: \${AH_KEY}
    client_secret: \${AH_SECRET}
    timeout: 2s
    interval: 30s
    session_length: 4s
    frame_duration: 20ms
    audio: { source: talk, talk: 600ms, pause: 1500ms }
    custom_config: { botMode: bursts, silenceMs: 300, burstMs: 800 }
`,
      recorder,
      NO_DEPS,
      { AH_KEY: API_KEY, AH_SECRET: CLIENT_SECRET },
    );
    runners.push(runner);
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      10_000,
      'the session to end',
    );
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.bot_turns).toBeGreaterThanOrEqual(1);
    // 800 ms of PCMU in one 6,400-byte message per turn.
    const frames = simulator.audioFrames('audiohook');
    expect(frames.every((frame) => frame.bytes === 6_400)).toBe(true);
    const received = recorder.of('frame_received');
    expect(received.length).toBe(truth.frames_sent);
    expect(received.every(([deviation]) => deviation === undefined)).toBe(true);
    const turns = recorder.of('turn_latency').map(([seconds]) => seconds as number);
    expect(turns.length).toBeGreaterThanOrEqual(1);
    // Silence detection (300 ms) plus the playout buffer: well under a second here.
    for (const seconds of turns) expect(seconds).toBeLessThan(1);
    const gaps = recorder
      .of('loss')
      .reduce((sum, [counts]) => sum + (counts as { gaps: number }).gaps, 0);
    expect(gaps).toBe(0);
    expect(recorder.of('violation')).toEqual([]);
  });
});
