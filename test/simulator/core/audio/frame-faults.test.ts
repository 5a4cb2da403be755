import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelZeroDbfs } from '../../../../src/simulator/core/audio/audio-frames.ts';
import {
  startSimulator,
  type AudioFrameRecord,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import {
  openAudiohook,
  pcmuLoud,
  pcmuSilence,
  type AudiohookClient,
} from '../../../support/simulator-audio.ts';
import { call, json, putFaults } from '../../../support/simulator-http.ts';
import { wsAction } from '../../../support/simulator-ws.ts';
import { eventually, sleep } from '../../../support/wait.ts';

/** A 200 ms PCMU frame whose first byte carries `index`, to check order and identity. */
function numbered(index: number): Buffer {
  const frame = pcmuSilence();
  frame[0] = index;
  return frame;
}

describe('Audio Connector frames and faults', () => {
  let sim: RunningSimulator;
  const clients: AudiohookClient[] = [];
  const connect = async (customConfig?: Record<string, unknown>): Promise<AudiohookClient> => {
    const client = await openAudiohook(sim);
    clients.push(client);
    await client.open(customConfig === undefined ? {} : { customConfig });
    return client;
  };
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await sim.close();
  });

  it('echo mode sends every frame back unchanged and records each one', async () => {
    const client = await connect();
    const sent = [numbered(1), numbered(2), numbered(3)];
    for (const frame of sent) client.ws.send(frame);
    await client.frameCount(3);
    expect(client.frames.map((frame) => frame.data)).toEqual(sent);

    const frames = sim.audioFrames('audiohook', client.sessionId);
    expect(frames.map((frame) => [frame.index, frame.kind, frame.bytes, frame.dropped])).toEqual([
      [0, 'echo', 1600, false],
      [1, 'echo', 1600, false],
      [2, 'echo', 1600, false],
    ]);
    for (const frame of frames) {
      expect(frame.delay_ms).toBe(0);
      expect(frame.sent_at_ms).toBeGreaterThanOrEqual(frame.received_at_ms);
    }
    const served = json(
      await call(sim, `/-/sim/audio/frames?endpoint=audiohook&session=${client.sessionId}`),
    );
    expect(served).toEqual({ frames });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      frames_received: 3,
      frames_sent: 3,
      frames_dropped: 0,
      frames_delayed: 0,
      frame_delay_ms: { count: 3, sum: 0, min: 0, max: 0 },
    });
  });

  it('frame_delay holds every frame back at least the drawn delay, and records it', async () => {
    await putFaults(sim, { ws_endpoints: { audiohook: { frame_delay: { fixed_ms: 30 } } } });
    const client = await connect();
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      sentAt.push(performance.now());
      client.ws.send(numbered(i));
      await sleep(5);
    }
    await client.frameCount(5);
    client.frames.forEach((frame, i) => {
      expect(frame.data[0]).toBe(i);
      expect(frame.at - (sentAt[i] ?? Infinity)).toBeGreaterThanOrEqual(30);
    });
    const frames = sim.audioFrames('audiohook', client.sessionId);
    for (const frame of frames) {
      expect(frame.delay_ms).toBe(30);
      expect(frame.due_at_ms).toBe(frame.received_at_ms + 30);
      expect(frame.sent_at_ms).toBeGreaterThanOrEqual(frame.due_at_ms);
    }
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      frames_delayed: 5,
      frame_delay_ms: { count: 5, sum: 150, min: 30, max: 30 },
    });
  });

  it('random frame delays never reorder frames', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { frame_delay: { fixed_ms: 0, random_ms: 60 } } } });
    const client = await connect();
    for (let i = 0; i < 30; i++) client.ws.send(numbered(i));
    await client.frameCount(30);
    expect(client.frames.map((frame) => frame.data[0])).toEqual([...Array(30).keys()]);
    const frames = sim.audioFrames('audiohook', client.sessionId);
    let previous = -Infinity;
    for (const frame of frames) {
      const sentAt = frame.sent_at_ms ?? -1;
      expect(sentAt).toBeGreaterThanOrEqual(Math.max(frame.due_at_ms, previous));
      previous = sentAt;
    }
    expect(new Set(frames.map((frame) => frame.delay_ms)).size).toBeGreaterThan(1);
  });

  it('frame_loss_rate 1 drops everything, each frame counted', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { frame_loss_rate: 1 } } });
    const client = await connect();
    for (let i = 0; i < 10; i++) client.ws.send(numbered(i));
    await eventually(() => sim.truth().ws_endpoints.audiohook.frames_received === 10);
    await sleep(50);
    expect(client.frames).toHaveLength(0);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      frames_sent: 0,
      frames_dropped: 10,
      frame_loss_bursts: 10,
    });
    const frames = sim.audioFrames('audiohook', client.sessionId);
    expect(frames.every((frame) => frame.dropped && frame.sent_at_ms === null)).toBe(true);
  });

  it('a loss drops frame_loss_burst consecutive frames', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { frame_loss_rate: 1, frame_loss_burst: 3 } } });
    const client = await connect();
    client.ws.send(numbered(0));
    await eventually(() => sim.truth().ws_endpoints.audiohook.frames_received === 1);
    // The loss goes on for the burst even once the rate is back to 0.
    sim.setFaults({ ws_endpoints: { audiohook: { frame_loss_rate: 0 } } });
    for (let i = 1; i < 6; i++) client.ws.send(numbered(i));
    await client.frameCount(3);
    expect(client.frames.map((frame) => frame.data[0])).toEqual([3, 4, 5]);
    expect(
      sim
        .audioFrames('audiohook', client.sessionId)
        .map((frame: AudioFrameRecord) => frame.dropped),
    ).toEqual([true, true, true, false, false, false]);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      frames_dropped: 3,
      frame_loss_bursts: 1,
      frames_sent: 3,
    });
  });

  it('bursts mode answers caller silence with an unpaced tone burst and a transcript', async () => {
    const client = await connect({ botMode: 'bursts', silenceMs: 400, burstMs: 600 });
    // Silence alone is no turn; speech then 400 ms of silence is.
    client.ws.send(pcmuSilence());
    client.ws.send(pcmuSilence());
    client.ws.send(pcmuSilence());
    await sleep(50);
    expect(client.frames).toHaveLength(0);
    client.ws.send(pcmuLoud());
    client.ws.send(pcmuSilence());
    const turnAt = performance.now();
    client.ws.send(pcmuSilence());
    const event = await client.next((m) => m.type === 'event');
    expect(JSON.stringify(event.parameters)).toContain('"transcript":"hello"');
    await client.frameCount(1);
    await sleep(100);
    // 600 ms of PCMU mono in one message, as the Audio Connector sample sends its bot audio.
    expect(client.frames).toHaveLength(1);
    const layout = { encoding: 'PCMU', rate: 8000, channels: 1 } as const;
    expect(client.frames[0]?.data).toHaveLength(4800);
    expect(channelZeroDbfs(client.frames[0]?.data ?? Buffer.alloc(0), layout)).toBeGreaterThan(-40);
    expect((client.frames[0]?.at ?? 0) - turnAt).toBeLessThan(300);
    const frames = sim.audioFrames('audiohook', client.sessionId);
    expect(frames.map((frame) => [frame.kind, frame.bytes])).toEqual([['burst', 4800]]);
    expect(frames[0]?.nominal_at_ms).toBe(frames[0]?.received_at_ms);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({ bot_turns: 1, events_sent: 1 });
  });

  it('a long bot turn goes out at once in messages of at most 64,000 bytes', async () => {
    const client = await connect({ botMode: 'bursts', silenceMs: 200, burstMs: 10_000 });
    client.ws.send(pcmuLoud());
    client.ws.send(pcmuSilence());
    await client.frameCount(2);
    // 10 s of PCMU mono is 80,000 bytes: 64,000 + 16,000, written back to back.
    expect(client.frames.map((frame) => frame.data.length)).toEqual([64_000, 16_000]);
    const [first, second] = client.frames.map((frame) => frame.at);
    expect((second ?? 0) - (first ?? 0)).toBeLessThan(100);
    const frames = sim.audioFrames('audiohook', client.sessionId);
    expect(new Set(frames.map((frame) => frame.nominal_at_ms)).size).toBe(1);
  });

  it('disconnect_error and reconnect actions send protocol messages, counted; never error', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { error_429: { retry_after_s: 7 } } } });
    const client = await connect();
    // `error` is a client-to-server message (docs/protocols.md §3.5): the server never sends it.
    expect(await wsAction(sim, { endpoint: 'audiohook', action: 'error_429' })).toEqual({
      status: 200,
      body: { applied: 0 },
    });
    expect(sim.wsAction('audiohook', 'disconnect_error')).toBe(1);
    expect(await client.next((m) => m.type === 'disconnect')).toMatchObject({
      seq: 2,
      parameters: { reason: 'error' },
    });
    // A second disconnect while the first waits for the close transaction does nothing.
    expect(sim.wsAction('audiohook', 'disconnect_error')).toBe(0);
    expect(sim.wsAction('audiohook', 'reconnect')).toBe(1);
    expect(await client.next((m) => m.type === 'reconnect')).toMatchObject({ seq: 3 });
    expect(client.json.some((m) => m.type === 'error')).toBe(false);
    expect(sim.truth().ws_endpoints.audiohook.injected).toMatchObject({
      error_429: 0,
      disconnect_error: 1,
      reconnect: 1,
    });
  });

  it('skip_seq (action or fault) makes the next server message skip one seq', async () => {
    const client = await connect();
    expect(sim.wsAction('audiohook', 'skip_seq')).toBe(1);
    client.send('ping');
    expect(await client.next((m) => m.type === 'pong')).toMatchObject({ seq: 3 });
    client.send('ping');
    expect(await client.next((m) => m.type === 'pong')).toMatchObject({ seq: 4 });
    sim.setFaults({ ws_endpoints: { audiohook: { skip_seq: true } } });
    client.send('ping');
    expect(await client.next((m) => m.type === 'pong')).toMatchObject({ seq: 6 });
    expect(sim.faults().ws_endpoints.audiohook.skip_seq).toBe(false);
    client.send('ping');
    expect(await client.next((m) => m.type === 'pong')).toMatchObject({ seq: 7 });
    expect(sim.truth().ws_endpoints.audiohook.injected.skip_seq).toBe(2);
  });

  it('drop cuts TCP: the client sees 1006; protocol actions do not apply elsewhere', async () => {
    const client = await connect();
    expect(sim.wsAction('audiohook', 'drop')).toBe(1);
    expect((await client.closed).code).toBe(1006);
    await eventually(() => sim.sessions('audiohook') === 0);
    expect(sim.truth().ws_endpoints.audiohook.closes.server_closed).toEqual({ 1006: 1 });
    expect((await wsAction(sim, { endpoint: 'ws_echo', action: 'error_429' })).body).toEqual({
      applied: 0,
    });
  });

  it('stall withholds frames sent back', async () => {
    const client = await connect();
    expect(sim.wsAction('audiohook', 'stall')).toBe(1);
    client.ws.send(numbered(1));
    await eventually(() => sim.truth().ws_endpoints.audiohook.frames_received === 1);
    await sleep(50);
    expect(client.frames).toHaveLength(0);
    expect(sim.truth().ws_endpoints.audiohook.frames_unsent).toBe(1);
    expect(sim.wsAction('audiohook', 'disconnect_error')).toBe(0);
  });

  it('validates frame queries, and reset-truth forgets frames', async () => {
    expect((await call(sim, '/-/sim/audio/frames?endpoint=ws_echo')).status).toBe(400);
    expect((await call(sim, '/-/sim/audio/frames')).status).toBe(400);
    expect(json(await call(sim, '/-/sim/audio/frames?endpoint=listen'))).toEqual({ frames: [] });
    const client = await connect();
    client.ws.send(numbered(1));
    await client.frameCount(1);
    expect(sim.audioFrames('audiohook')).toHaveLength(1);
    sim.resetTruth();
    expect(sim.audioFrames('audiohook')).toEqual([]);
    expect(sim.truth().ws_endpoints.audiohook.frames_sent).toBe(0);
  });

  it('validates and deep-merges the audio fault fields', async () => {
    await putFaults(sim, { ws_endpoints: { listen: { frame_delay: { random_ms: 9 } } } });
    await putFaults(sim, { ws_endpoints: { listen: { frame_delay: { fixed_ms: 4 } } } });
    expect(sim.faults().ws_endpoints.listen).toMatchObject({
      frame_delay: { fixed_ms: 4, random_ms: 9 },
      frame_loss_rate: 0,
      frame_loss_burst: 1,
      skip_seq: false,
      error_429: { retry_after_s: 5 },
    });
    for (const patch of [
      { frame_loss_rate: 1.5 },
      { frame_loss_burst: 0 },
      { frame_delay: { fixed_ms: -1 } },
      { error_429: { retry_after_s: 'soon' } },
    ]) {
      const answer = await putFaults(sim, { ws_endpoints: { audiohook: patch } });
      expect(answer.status).toBe(400);
    }
  });
});
