import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LISTEN_SUBPROTOCOL,
  startSimulator,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import { connectAudio, l16Frame, sleep, type AudioSocket } from './audio-helpers.ts';
import { basic } from './helpers.ts';
import { HandshakeRefused, eventually, wsUrl } from './ws-helpers.ts';

const METADATA = {
  callSid: 'call-1234',
  from: '+15551234',
  to: '+15550000',
  sampleRate: 8000,
  mixType: 'mono',
  metadata: { probe: true },
};
/** 20 ms of L16 at 8 kHz, the usual jambonz frame (docs/protocols.md §8). */
const SAMPLES = 160;

describe('jambonz listen endpoint', () => {
  let sim: RunningSimulator;
  const sockets: AudioSocket[] = [];
  const connect = async (
    query = '',
    protocols = [LISTEN_SUBPROTOCOL],
    headers: Record<string, string> = {},
  ): Promise<AudioSocket> => {
    const socket = await connectAudio(wsUrl(sim, `/listen${query}`), protocols, headers);
    sockets.push(socket);
    return socket;
  };
  const started = async (query = '', metadata: object = METADATA): Promise<AudioSocket> => {
    const socket = await connect(query);
    socket.ws.send(JSON.stringify(metadata));
    await eventually(() => sim.truth().ws_endpoints.listen.streams_opened > 0);
    return socket;
  };
  const refused = async (
    query: string,
    protocols: string[],
    headers: Record<string, string> = {},
  ): Promise<number> => {
    try {
      await connect(query, protocols, headers);
    } catch (err) {
      if (err instanceof HandshakeRefused) return err.status;
      throw err;
    }
    throw new Error('handshake unexpectedly accepted');
  };
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim.close();
  });

  it('requires the audio.jambonz.org subprotocol and selects it', async () => {
    expect(await refused('', [])).toBe(400);
    expect(await refused('', ['other'])).toBe(400);
    expect(await refused('?mode=karaoke', [LISTEN_SUBPROTOCOL])).toBe(400);
    const socket = await connect('', ['other', LISTEN_SUBPROTOCOL]);
    expect(socket.ws.protocol).toBe(LISTEN_SUBPROTOCOL);
    expect(sim.truth().ws_endpoints.listen.handshakes).toEqual({
      accepted: 1,
      refused: { 400: 3 },
    });
  });

  it('closes with 1003 when audio comes before the metadata', async () => {
    const socket = await connect();
    socket.ws.send(l16Frame(SAMPLES, false));
    expect((await socket.closed).code).toBe(1003);
    await eventually(() => sim.sessions('listen') === 0);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      early_audio: 1,
      closes: { server_closed: { 1003: 1 } },
    });
  });

  it('closes with 1008 on invalid metadata', async () => {
    const socket = await connect();
    socket.ws.send(JSON.stringify({ ...METADATA, sampleRate: 11025 }));
    expect((await socket.closed).code).toBe(1008);
    expect(sim.truth().ws_endpoints.listen.bad_messages).toBe(1);
  });

  it('echo mode streams every frame back, recorded under the callSid', async () => {
    const socket = await started();
    const frames = [l16Frame(SAMPLES, true), l16Frame(SAMPLES, false), l16Frame(SAMPLES, true)];
    for (const frame of frames) socket.ws.send(frame);
    await socket.frameCount(3);
    expect(socket.frames.map((frame) => frame.data)).toEqual(frames);
    const records = sim.audioFrames('listen', 'call-1234');
    expect(records.map((record) => [record.kind, record.bytes])).toEqual([
      ['echo', 320],
      ['echo', 320],
      ['echo', 320],
    ]);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      streams_opened: 1,
      frames_received: 3,
      frames_sent: 3,
    });
  });

  it('applies the frame faults to echoed frames', async () => {
    sim.setFaults({ ws_endpoints: { listen: { frame_delay: { fixed_ms: 30 } } } });
    const socket = await started();
    const sentAt = performance.now();
    socket.ws.send(l16Frame(SAMPLES, true));
    await socket.frameCount(1);
    expect((socket.frames[0]?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(30);
    expect(sim.audioFrames('listen', 'call-1234')[0]?.delay_ms).toBe(30);
  });

  it('stream mode answers caller silence with streamed L16 at the metadata rate', async () => {
    const socket = await started('?mode=stream&silence_ms=100&burst_ms=200', {
      ...METADATA,
      sampleRate: 16000,
    });
    const samples = 320; // 20 ms at 16 kHz
    socket.ws.send(l16Frame(samples, true));
    for (let i = 0; i < 5; i++) socket.ws.send(l16Frame(samples, false));
    await socket.frameCount(10);
    await sleep(50);
    expect(socket.frames).toHaveLength(10);
    expect(socket.frames.every((frame) => frame.data.length === 640)).toBe(true);
    const first = socket.frames[0]?.at ?? 0;
    const last = socket.frames[9]?.at ?? 0;
    // Paced at 20 ms, not dumped at once: arrival spacing on a busy machine varies by a few ms
    // per frame, so the bound only rules out a burst (ten frames at once would be ~0 ms).
    expect(last - first).toBeGreaterThanOrEqual(120);
    expect(sim.truth().ws_endpoints.listen.bot_turns).toBe(1);
  });

  it('play mode sends playAudio and counts playDone', async () => {
    const socket = await started('?mode=play&silence_ms=40&burst_ms=500');
    socket.ws.send(l16Frame(SAMPLES, true));
    socket.ws.send(l16Frame(SAMPLES, false));
    socket.ws.send(l16Frame(SAMPLES, false));
    const play = await socket.next((m) => m.type === 'playAudio');
    const data = play.data as Record<string, string>;
    expect(data.audioContentType).toBe('raw');
    expect(data.sampleRate).toBe('8000');
    expect(Buffer.from(data.audioContent ?? '', 'base64')).toHaveLength(8000);
    socket.ws.send(JSON.stringify({ type: 'playDone' }));
    await eventually(() => sim.truth().ws_endpoints.listen.play_done_received === 1);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({ play_audio_sent: 1, frames_sent: 1 });
    expect(sim.audioFrames('listen', 'call-1234').map((record) => record.kind)).toEqual(['play']);
  });

  it('answers marks with playout after the audio queued before them', async () => {
    sim.setFaults({ ws_endpoints: { listen: { frame_delay: { fixed_ms: 80 } } } });
    const socket = await started();
    socket.ws.send(l16Frame(SAMPLES, true));
    socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm1' } }));
    const mark = await socket.next((m) => m.type === 'mark');
    expect(mark).toEqual({ type: 'mark', data: { name: 'm1', event: 'playout' } });
    expect(socket.frames).toHaveLength(1);
    expect(sim.truth().ws_endpoints.listen.marks_played).toBe(1);
  });

  it('killAudio abandons queued audio and clears pending marks', async () => {
    sim.setFaults({ ws_endpoints: { listen: { frame_delay: { fixed_ms: 300 } } } });
    const socket = await started();
    socket.ws.send(l16Frame(SAMPLES, true));
    socket.ws.send(l16Frame(SAMPLES, true));
    socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm2' } }));
    socket.ws.send(JSON.stringify({ type: 'killAudio' }));
    expect(await socket.next((m) => m.type === 'mark')).toEqual({
      type: 'mark',
      data: { name: 'm2', event: 'cleared' },
    });
    await sleep(400);
    expect(socket.frames).toHaveLength(0);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      kill_audio_received: 1,
      frames_unsent: 2,
      marks_cleared: 1,
    });
  });

  it('closes with 1000 on a client disconnect; actions send disconnect and killAudio', async () => {
    const socket = await started();
    expect(sim.wsAction('listen', 'kill_audio')).toBe(1);
    expect(await socket.next()).toEqual({ type: 'killAudio' });
    expect(sim.wsAction('listen', 'disconnect_error')).toBe(1);
    expect(await socket.next()).toEqual({ type: 'disconnect' });
    expect(sim.wsAction('listen', 'error_429')).toBe(0);
    socket.ws.send(JSON.stringify({ type: 'disconnect' }));
    expect((await socket.closed).code).toBe(1000);
    await eventually(() => sim.sessions('listen') === 0);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      client_disconnects: 1,
      kill_audio_sent: 1,
      injected: { kill_audio: 1, disconnect_error: 1 },
      closes: { server_closed: { 1000: 1 } },
    });
  });

  it('requires Basic credentials when wsAuth is configured', async () => {
    await sim.close();
    sim = await startSimulator({ listenBasicAuth: { username: 'vg', password: 's3cret' } });
    expect(await refused('', [LISTEN_SUBPROTOCOL])).toBe(401);
    expect(await refused('', [LISTEN_SUBPROTOCOL], { authorization: basic('vg', 'wrong') })).toBe(
      401,
    );
    const socket = await connect('', [LISTEN_SUBPROTOCOL], {
      authorization: basic('vg', 's3cret'),
    });
    expect(socket.ws.protocol).toBe(LISTEN_SUBPROTOCOL);
    expect(sim.truth().ws_endpoints.listen.handshakes).toEqual({
      accepted: 1,
      refused: { 401: 2 },
    });
  });
});
