import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/probers/session/session-runner.ts';
import type { SessionEnd } from '../../src/probers/session/types.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { eventually } from '../helpers/metrics-text.ts';
import { recordingEvents, startSessionTarget } from '../helpers/session-events.ts';

const noDeps = { tokenSource: () => undefined, readCa: () => Promise.resolve(undefined) };

function target(url: string, extra = ''): string {
  return `
targets:
  - name: listen
    kind: voicegateway-listen
    url: ${url}
    timeout: 2s
    interval: 10s
    session_length: 2s
    frame_duration: 20ms
    audio: { source: talk, talk: 400ms, pause: 700ms }
${extra}`;
}

describe('kind: voicegateway-listen against the simulator', () => {
  let simulator: RunningSimulator;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator.close();
  });

  async function run(yaml: string) {
    const recorder = recordingEvents();
    runners.push(await startSessionTarget(yaml, recorder, noDeps));
    return recorder;
  }

  it('streams L16 with the audio.jambonz.org subprotocol and times the echo', async () => {
    simulator = await startSimulator();
    const recorder = await run(
      target(`${simulator.url.replace('http', 'ws')}/listen?mode=echo`, '    echo: true'),
    );
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      8_000,
      'the session to end',
    );
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'completed',
      abnormal: false,
    });
    expect(recorder.ofAudio('frameReceived').length).toBeGreaterThan(50);
    expect(recorder.ofAudio('violation')).toEqual([]);
    const truth = simulator.truth().ws_endpoints.listen;
    expect(truth.frames_received).toBeGreaterThan(50);
  });

  it('measures turn latency from the end of our utterance to streamed bot audio', async () => {
    simulator = await startSimulator();
    const recorder = await run(
      target(`${simulator.url.replace('http', 'ws')}/listen?mode=stream&silence_ms=200`),
    );
    await eventually(
      () => Promise.resolve(recorder.ofAudio('turnLatency').length >= 1),
      8_000,
      'a bot turn',
    );
    const [latency] = recorder.ofAudio('turnLatency')[0] as [number];
    // The bot waits 200 ms of silence, counted in whole 20 ms frames on its side.
    expect(latency).toBeGreaterThanOrEqual(0.15);
    expect(latency).toBeLessThan(2);
  });

  it('answers playAudio with playDone after the clip has played', async () => {
    simulator = await startSimulator();
    const recorder = await run(
      target(`${simulator.url.replace('http', 'ws')}/listen?mode=play&silence_ms=200`),
    );
    await eventually(
      () => Promise.resolve(simulator.truth().ws_endpoints.listen.play_done_received >= 1),
      8_000,
      'a playDone',
    );
    expect(recorder.ofAudio('turnLatency').length).toBeGreaterThanOrEqual(1);
  });

  it('counts a close it did not start as abnormal', async () => {
    simulator = await startSimulator();
    const recorder = await run(target(`${simulator.url.replace('http', 'ws')}/listen`));
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 8_000, 'open');
    simulator.wsAction('listen', 'close_1011');
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 8_000, 'the close');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      code: 1011,
      abnormal: true,
    });
  });
});
