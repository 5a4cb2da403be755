import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LISTEN_SUBPROTOCOL,
  startSimulator,
  type RunningSimulator,
} from '../../../../src/simulator/index.ts';
import { DRACHTIO_SUBPROTOCOL } from '../../../../src/simulator/platforms/voicegateway-listen/setup.ts';
import { connectAudio, l16Frame, type AudioSocket } from '../../../support/simulator-audio.ts';
import { basic } from '../../../support/simulator-http.ts';
import { HandshakeRefused, wsUrl } from '../../../support/simulator-ws.ts';
import { eventually, sleep } from '../../../support/wait.ts';

/** The first text frame as jambonz builds it: call info, then the verb metadata on top. */
const METADATA = {
  sampleRate: 8000,
  mixType: 'mono',
  callSid: 'call-1234',
  direction: 'inbound',
  from: '+15551234',
  to: '+15550000',
  callId: 'sip-call-id-1',
  sipStatus: 200,
  sipReason: 'OK',
  callStatus: 'in-progress',
  accountSid: 'acct-1',
  applicationSid: 'app-1',
  probe: true,
};
/** 20 ms of L16 at 8 kHz, the usual jambonz frame (docs/protocols.md §8). */
const SAMPLES = 160;

describe('jambonz listen endpoint (the application server)', () => {
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
  /** Sends `first` then expects the server to reject the gateway with `code` and `reason`. */
  const rejected = async (socket: AudioSocket, code: number, reason: string): Promise<void> => {
    const closed = await socket.closed;
    expect(closed).toEqual({ code, reason });
    await eventually(() => sim.sessions('listen') === 0);
    expect(sim.truth().ws_endpoints.listen.listen_rejections).toEqual({ [reason]: 1 });
  };
  /** One caller turn: a loud frame, then silence until the server answers. */
  const speak = (socket: AudioSocket, samples = SAMPLES, frames = 4): void => {
    socket.ws.send(l16Frame(samples, true));
    for (let i = 0; i < frames; i++) socket.ws.send(l16Frame(samples, false));
  };
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim.close();
  });

  describe('handshake', () => {
    it('accepts only audio.jambonz.org by default and selects it', async () => {
      expect(await refused('', [])).toBe(400);
      expect(await refused('', ['other'])).toBe(400);
      expect(await refused('', [DRACHTIO_SUBPROTOCOL])).toBe(400);
      expect(await refused('?mode=karaoke', [LISTEN_SUBPROTOCOL])).toBe(400);
      const socket = await connect('', ['other', DRACHTIO_SUBPROTOCOL, LISTEN_SUBPROTOCOL]);
      expect(socket.ws.protocol).toBe(LISTEN_SUBPROTOCOL);
      const truth = sim.truth().ws_endpoints.listen;
      expect(truth.handshakes).toEqual({ accepted: 1, refused: { 400: 4 } });
      expect(truth.listen_rejections).toEqual({ subprotocol: 3 });
    });

    it('plays an @jambonz/sdk server with ?subprotocol=audio.drachtio.org', async () => {
      const query = `?subprotocol=${DRACHTIO_SUBPROTOCOL}`;
      expect(await refused(query, [LISTEN_SUBPROTOCOL])).toBe(400);
      const socket = await connect(query, [LISTEN_SUBPROTOCOL, DRACHTIO_SUBPROTOCOL]);
      expect(socket.ws.protocol).toBe(DRACHTIO_SUBPROTOCOL);
      expect(await refused('?subprotocol=audio.example.org', [LISTEN_SUBPROTOCOL])).toBe(400);
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

  describe('rejects a gateway that breaks the first frame', () => {
    it('closes with 1003 when audio comes before the metadata', async () => {
      const socket = await connect();
      socket.ws.send(l16Frame(SAMPLES, false));
      await rejected(socket, 1003, 'binary_before_metadata');
      expect(sim.truth().ws_endpoints.listen).toMatchObject({
        early_audio: 1,
        closes: { server_closed: { 1003: 1 } },
      });
    });

    it('closes with 1008 when the first frame is not a JSON object', async () => {
      const socket = await connect();
      socket.ws.send('callSid=call-1234');
      await rejected(socket, 1008, 'metadata_not_json');
    });

    it('closes with 1008 on a string sampleRate (jambonz sends a number)', async () => {
      const socket = await connect();
      socket.ws.send(JSON.stringify({ ...METADATA, sampleRate: '8000' }));
      await rejected(socket, 1008, 'metadata_sample_rate');
    });

    it('closes with 1008 on a sample rate the listen verb does not allow', async () => {
      const socket = await connect();
      socket.ws.send(JSON.stringify({ ...METADATA, sampleRate: 11025 }));
      await rejected(socket, 1008, 'metadata_sample_rate');
    });

    it('closes with 1008 on an unknown mixType', async () => {
      const socket = await connect();
      socket.ws.send(JSON.stringify({ ...METADATA, mixType: 'surround' }));
      await rejected(socket, 1008, 'metadata_mix_type');
    });

    it('closes with 1008 when call info jambonz always sends is missing', async () => {
      const socket = await connect();
      socket.ws.send(JSON.stringify({ ...METADATA, accountSid: undefined }));
      await rejected(socket, 1008, 'metadata_call_info');
    });

    it('closes with 1008 when sipStatus is not a number', async () => {
      const socket = await connect();
      socket.ws.send(JSON.stringify({ ...METADATA, sipStatus: '200' }));
      await rejected(socket, 1008, 'metadata_call_info');
    });
  });

  describe('rejects a gateway that breaks the stream', () => {
    it('closes with 1008 on a frame that is not whole samples', async () => {
      const socket = await started();
      socket.ws.send(Buffer.alloc(321));
      await rejected(socket, 1008, 'bad_audio_frame');
    });

    it('closes with 1008 on a stereo frame that is not whole sample pairs', async () => {
      const socket = await started('', { ...METADATA, mixType: 'stereo' });
      socket.ws.send(Buffer.alloc(322));
      await rejected(socket, 1008, 'bad_audio_frame');
    });

    it('closes with 1008 on a text frame that is not JSON', async () => {
      const socket = await started();
      socket.ws.send('hello');
      await rejected(socket, 1008, 'not_json');
    });

    it('closes with 1008 when the gateway sends a command (commands flow to jambonz)', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ type: 'killAudio' }));
      await rejected(socket, 1008, 'unexpected_text');
    });

    it('closes with 1008 when the gateway sends disconnect instead of closing', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ type: 'disconnect' }));
      await rejected(socket, 1008, 'unexpected_text');
    });

    it('closes with 1008 on a mark event for a mark never sent', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm9', event: 'playout' } }));
      await rejected(socket, 1008, 'unknown_mark');
    });

    it('closes with 1008 on a mark event that is neither playout nor cleared', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm1' } }));
      await rejected(socket, 1008, 'bad_mark_event');
    });

    it('closes with 1008 on a playDone nothing waits for', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ type: 'playDone', data: {} }));
      await rejected(socket, 1008, 'unexpected_play_done');
    });

    it('closes with 1008 on a playDone without the id of the playAudio it answers', async () => {
      const socket = await started('?mode=play&silence_ms=40&burst_ms=100');
      speak(socket);
      await socket.next((m) => m.type === 'playAudio');
      socket.ws.send(JSON.stringify({ type: 'playDone', data: {} }));
      await rejected(socket, 1008, 'play_done_id');
    });

    it('accepts DTMF events but rejects one without its digit', async () => {
      const socket = await started();
      socket.ws.send(JSON.stringify({ event: 'dtmf', dtmf: '2', duration: '1600' }));
      socket.ws.send(JSON.stringify({ event: 'dtmf', duration: '1600' }));
      await rejected(socket, 1008, 'bad_dtmf');
    });
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

  it('stream mode answers caller silence with paced L16, then a mark', async () => {
    const socket = await started('?mode=stream&silence_ms=100&burst_ms=200', {
      ...METADATA,
      sampleRate: 16000,
    });
    speak(socket, 320, 5);
    const mark = await socket.next((m) => m.type === 'mark');
    expect(mark).toEqual({ type: 'mark', data: { name: 'turn-1' } });
    // The mark follows the audio it marks.
    expect(socket.frames).toHaveLength(10);
    expect(socket.frames.every((frame) => frame.data.length === 640)).toBe(true);
    const first = socket.frames[0]?.at ?? 0;
    const last = socket.frames[9]?.at ?? 0;
    // Paced at 20 ms, not dumped at once: the bound only rules out a burst.
    expect(last - first).toBeGreaterThanOrEqual(120);
    socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'turn-1', event: 'playout' } }));
    await eventually(() => sim.truth().ws_endpoints.listen.marks_played === 1);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      bot_turns: 1,
      marks_sent: 1,
      listen_rejections: {},
    });
    // The mark was answered once: a second answer is a protocol break.
    socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'turn-1', event: 'playout' } }));
    expect((await socket.closed).code).toBe(1008);
  });

  it('stream mode with then=clearMarks sends the burst at once, the mark, then clearMarks', async () => {
    const socket = await started('?mode=stream&silence_ms=60&burst_ms=400&then=clearMarks');
    speak(socket);
    expect(await socket.next((m) => m.type === 'mark')).toEqual({
      type: 'mark',
      data: { name: 'turn-1' },
    });
    expect(await socket.next()).toEqual({ type: 'clearMarks' });
    expect(socket.frames).toHaveLength(20);
    socket.ws.send(JSON.stringify({ type: 'mark', data: { name: 'turn-1', event: 'cleared' } }));
    await eventually(() => sim.truth().ws_endpoints.listen.marks_cleared === 1);
    expect(sim.truth().ws_endpoints.listen.clear_marks_sent).toBe(1);
  });

  it('stream mode with byte_order=big reads and writes big-endian L16', async () => {
    const socket = await started('?mode=stream&silence_ms=60&burst_ms=40&byte_order=big');
    const loud = Buffer.alloc(SAMPLES * 2);
    for (let i = 0; i < SAMPLES; i++) loud.writeInt16BE(i % 2 === 0 ? 8000 : -8000, i * 2);
    socket.ws.send(loud);
    for (let i = 0; i < 4; i++) socket.ws.send(l16Frame(SAMPLES, false));
    await socket.frameCount(2);
    // The 440 Hz tone at 0.25 full scale: its second sample is about +2,800 in big-endian.
    const frame = socket.frames[0]?.data ?? Buffer.alloc(0);
    expect(frame.readInt16BE(2)).toBeGreaterThan(2_000);
    expect(frame.readInt16BE(2)).toBeLessThan(3_500);
  });

  it('play mode sends playAudio with a numeric sampleRate and an id, and counts playDone', async () => {
    const socket = await started('?mode=play&silence_ms=40&burst_ms=500');
    speak(socket);
    const play = await socket.next((m) => m.type === 'playAudio');
    const data = play.data as Record<string, unknown>;
    expect(data.audioContentType).toBe('raw');
    expect(data.sampleRate).toBe(8000);
    expect(data.id).toBe('play-1');
    expect(Buffer.from(String(data.audioContent), 'base64')).toHaveLength(8000);
    socket.ws.send(JSON.stringify({ type: 'playDone', data: { id: 'play-1' } }));
    await eventually(() => sim.truth().ws_endpoints.listen.play_done_received === 1);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({ play_audio_sent: 1, frames_sent: 1 });
    expect(sim.audioFrames('listen', 'call-1234').map((record) => record.kind)).toEqual(['play']);
  });

  it('play mode with then=killAudio sends killAudio right after playAudio', async () => {
    const socket = await started('?mode=play&silence_ms=40&burst_ms=500&then=killAudio');
    speak(socket);
    await socket.next((m) => m.type === 'playAudio');
    expect(await socket.next()).toEqual({ type: 'killAudio' });
    expect(sim.truth().ws_endpoints.listen.kill_audio_sent).toBe(1);
  });

  it('killAudio (action) abandons queued audio; disconnect (action) ends the listen', async () => {
    sim.setFaults({ ws_endpoints: { listen: { frame_delay: { fixed_ms: 300 } } } });
    const socket = await started();
    socket.ws.send(l16Frame(SAMPLES, true));
    socket.ws.send(l16Frame(SAMPLES, true));
    await eventually(() => sim.truth().ws_endpoints.listen.frames_received === 2);
    expect(sim.wsAction('listen', 'kill_audio')).toBe(1);
    expect(await socket.next()).toEqual({ type: 'killAudio' });
    await sleep(400);
    expect(socket.frames).toHaveLength(0);
    expect(sim.wsAction('listen', 'disconnect_error')).toBe(1);
    expect(await socket.next()).toEqual({ type: 'disconnect' });
    expect(sim.wsAction('listen', 'error_429')).toBe(0);
    // jambonz answers disconnect by closing the socket.
    socket.ws.close(1000);
    expect((await socket.closed).code).toBe(1000);
    await eventually(() => sim.sessions('listen') === 0);
    expect(sim.truth().ws_endpoints.listen).toMatchObject({
      kill_audio_sent: 1,
      frames_unsent: 2,
      injected: { kill_audio: 1, disconnect_error: 1 },
      closes: { client_closed: { 1000: 1 } },
      listen_rejections: {},
    });
  });
});
