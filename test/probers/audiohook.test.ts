import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { eventually } from '../support/wait.ts';
import { NO_DEPS } from '../support/probe-setup.ts';

const API_KEY = 'SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh';
const CLIENT_SECRET = 'TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=';

function target(url: string, extra = '', sessionLength = '1500ms'): string {
  return `
targets:
  - name: audiohook
    kind: audiohook
    url: ${url}
    api_key: \${AH_KEY}
    client_secret: \${AH_SECRET}
    timeout: 2s
    interval: 10s
    session_length: ${sessionLength}
    frame_duration: 20ms
    ping: { interval: 300ms, timeout: 2s }
    control_ping: { interval: 300ms, timeout: 2s }
${extra}`;
}

describe('kind: audiohook against the simulator', () => {
  let simulator: RunningSimulator;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator.close();
  });

  async function run(yaml: string, secret = CLIENT_SECRET) {
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, NO_DEPS, {
      AH_KEY: API_KEY,
      AH_SECRET: secret,
    });
    runners.push(runner);
    return recorder;
  }

  it('opens a signed session, streams, pings and completes the close transaction', async () => {
    simulator = await startSimulator();
    const ws = simulator.url.replace('http', 'ws');
    const recorder = await run(target(`${ws}/api/v1/audioconnector/ws`, '    echo: true'));
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      8_000,
      'the session to complete',
    );
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end).toMatchObject({ reason: 'completed', abnormal: false });
    expect(end.nextInMs).toBeGreaterThan(5_000);
    expect(recorder.of('ping').some(([layer]) => layer === 'application')).toBe(true);
    expect(recorder.of('ping').some(([layer]) => layer === 'control')).toBe(true);
    expect(recorder.of('frame_sent').length).toBeGreaterThan(40);
    expect(recorder.of('frame_received').length).toBeGreaterThan(40);
    expect(recorder.of('violation')).toEqual([]);
    expect(recorder.of('quality').length).toBeGreaterThan(0);
    const truth = simulator.truth().ws_endpoints.audiohook;
    expect(truth.close_transactions).toBe(1);
  });

  it('refuses a bad signature: the prober reports unauthorized', async () => {
    simulator = await startSimulator();
    const ws = simulator.url.replace('http', 'ws');
    const wrongSecret = Buffer.from('not the secret at all').toString('base64');
    const recorder = await run(target(`${ws}/api/v1/audiohook/ws`), wrongSecret);
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'a refusal',
    );
    expect(recorder.of('connect_failed')[0]?.slice(0, 2)).toEqual(['unauthorized', 401]);
    expect(recorder.of('connected')).toHaveLength(0);
  });

  it('runs the connection probe: null ids, no audio, immediate close transaction', async () => {
    simulator = await startSimulator();
    const ws = simulator.url.replace('http', 'ws');
    const recorder = await run(target(`${ws}/api/v1/audiohook/ws`, '    connection_probe: true'));
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      8_000,
      'the probe to complete',
    );
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'completed',
      abnormal: false,
    });
    expect(recorder.of('frame_sent')).toHaveLength(0);
    expect(simulator.truth().ws_endpoints.audiohook.connection_probes).toBe(1);
  });

  it('counts frames the server drops as lost, exactly', async () => {
    simulator = await startSimulator({
      faults: { ws_endpoints: { audiohook: { frame_loss_rate: 0.1 } } },
    });
    const ws = simulator.url.replace('http', 'ws');
    const recorder = await run(target(`${ws}/api/v1/audioconnector/ws`, '    echo: true', '2s'));
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      8_000,
      'the session to complete',
    );
    const lost = recorder
      .of('loss')
      .reduce((sum, [counts]) => sum + (counts as { lost: number }).lost, 0);
    const truth = simulator.truth().ws_endpoints.audiohook;
    // Frames dropped after the last one that came back cannot be seen as lost by anyone.
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThanOrEqual(truth.frames_dropped);
    expect(truth.frames_dropped - lost).toBeLessThanOrEqual(3);
  });

  it('ends abnormally when the server disconnects with an error', async () => {
    simulator = await startSimulator();
    const ws = simulator.url.replace('http', 'ws');
    const recorder = await run(target(`${ws}/api/v1/audiohook/ws`, '', '5s'));
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 8_000, 'open');
    expect(simulator.wsAction('audiohook', 'disconnect_error')).toBe(1);
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 8_000, 'the close');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'server_error',
      abnormal: true,
    });
  });

  // A skipped server seq is fatal, as in the reference client: see audiohook-conformance.test.ts.
  it('counts a TCP drop as 1006', async () => {
    simulator = await startSimulator();
    const ws = simulator.url.replace('http', 'ws');
    const recorder = await run(target(`${ws}/api/v1/audiohook/ws`, '', '5s'));
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 8_000, 'open');
    simulator.wsAction('audiohook', 'drop');
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 8_000, 'the drop');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      code: 1006,
      reason: 'abnormal_closure',
      abnormal: true,
    });
  });
});
