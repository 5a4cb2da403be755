import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { startAppServer, type AppConnection } from '../support/listen-app-server.ts';
import { eventually } from '../support/wait.ts';
import { NO_DEPS } from '../support/probe-setup.ts';

function target(
  url: string,
  extra = '',
  sessionLength = '2s',
  audio = '{ source: talk, talk: 400ms, pause: 700ms }',
): string {
  return `
targets:
  - name: listen
    kind: voicegateway-listen
    url: ${url}
    timeout: 2s
    interval: 10s
    session_length: ${sessionLength}
    frame_duration: 20ms
    audio: ${audio}
${extra}`;
}

/** 8 kHz mono L16 of `ms`, a loud square wave, little-endian. */
function loudPcm(ms: number, rate = 8000): Buffer {
  const samples = Math.round((ms * rate) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(i % 2 === 0 ? 8000 : -8000, i * 2);
  return pcm;
}

/** RMS of 16-bit samples read in the given byte order, dBFS. */
function levelDbfs(frame: Buffer, order: 'le' | 'be'): number {
  let sum = 0;
  const count = Math.floor(frame.length / 2);
  for (let i = 0; i < count; i++) {
    const sample = order === 'le' ? frame.readInt16LE(i * 2) : frame.readInt16BE(i * 2);
    sum += sample * sample;
  }
  return 20 * Math.log10(Math.sqrt(sum / count) / 32_768);
}

describe('kind: voicegateway-listen', () => {
  let simulator: RunningSimulator | undefined;
  let server: Awaited<ReturnType<typeof startAppServer>> | undefined;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await simulator?.close();
    await server?.close();
    simulator = undefined;
    server = undefined;
  });

  async function run(yaml: string) {
    const recorder = recordingEvents();
    runners.push(await startSessionTarget(yaml, recorder, NO_DEPS));
    return recorder;
  }
  const simUrl = (query: string): string =>
    `${(simulator?.url ?? '').replace('http', 'ws')}/listen${query}`;
  const violations = (recorder: ReturnType<typeof recordingEvents>): string[] =>
    recorder.of('violation').map(([kind]) => String(kind));

  describe('against the strict simulator', () => {
    it('streams L16 with the audio.jambonz.org subprotocol and times the echo', async () => {
      simulator = await startSimulator();
      const recorder = await run(target(simUrl('?mode=echo'), '    echo: true'));
      await eventually(
        () => Promise.resolve(recorder.of('closed').length >= 1),
        8_000,
        'the session to end',
      );
      expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
        reason: 'completed',
        abnormal: false,
      });
      expect(recorder.of('frame_received').length).toBeGreaterThan(50);
      expect(violations(recorder)).toEqual([]);
      const truth = simulator.truth().ws_endpoints.listen;
      expect(truth.frames_received).toBeGreaterThan(50);
      expect(truth.listen_rejections).toEqual({});
    });

    it('measures turn latency to streamed audio and answers the mark after it played', async () => {
      simulator = await startSimulator();
      const recorder = await run(target(simUrl('?mode=stream&silence_ms=200&burst_ms=300')));
      await eventually(
        () => Promise.resolve(simulator?.truth().ws_endpoints.listen.marks_played === 1),
        8_000,
        'a mark answered playout',
      );
      const [latency] = recorder.of('turn_latency')[0] as [number];
      // The bot waits 200 ms of silence, counted in whole 20 ms frames on its side.
      expect(latency).toBeGreaterThanOrEqual(0.15);
      expect(latency).toBeLessThan(2);
      expect(simulator.truth().ws_endpoints.listen.listen_rejections).toEqual({});
      expect(violations(recorder)).toEqual([]);
    });

    it('answers clearMarks with cleared for the mark still waiting for its audio', async () => {
      simulator = await startSimulator();
      const recorder = await run(
        target(simUrl('?mode=stream&silence_ms=200&burst_ms=600&then=clearMarks')),
      );
      await eventually(
        () => Promise.resolve(simulator?.truth().ws_endpoints.listen.marks_cleared === 1),
        8_000,
        'a mark answered cleared',
      );
      expect(simulator.truth().ws_endpoints.listen).toMatchObject({
        marks_played: 0,
        listen_rejections: {},
      });
      expect(violations(recorder)).toEqual([]);
    });

    it('answers playAudio with playDone carrying its id after the clip has played', async () => {
      simulator = await startSimulator();
      const recorder = await run(target(simUrl('?mode=play&silence_ms=200')));
      await eventually(
        () => Promise.resolve(simulator?.truth().ws_endpoints.listen.play_done_received === 1),
        8_000,
        'a playDone',
      );
      expect(recorder.of('turn_latency').length).toBeGreaterThanOrEqual(1);
      expect(simulator.truth().ws_endpoints.listen.listen_rejections).toEqual({});
      expect(violations(recorder)).toEqual([]);
    });

    it('answers killAudio at once with the playDone of the clip it broke off', async () => {
      simulator = await startSimulator();
      const recorder = await run(
        target(simUrl('?mode=play&silence_ms=200&burst_ms=3000&then=killAudio')),
      );
      const listen = () => simulator?.truth().ws_endpoints.listen;
      await eventually(
        () => Promise.resolve(listen()?.play_audio_sent === 1),
        8_000,
        'a playAudio',
      );
      const playedAt = performance.now();
      await eventually(
        () => Promise.resolve(listen()?.play_done_received === 1),
        8_000,
        'a playDone',
      );
      // Well under the 3 s clip: the kill broke it off.
      expect(performance.now() - playedAt).toBeLessThan(2_000);
      expect(listen()?.listen_rejections).toEqual({});
      expect(violations(recorder)).toEqual([]);
    });

    it('speaks big-endian L16 both ways when l16_byte_order is big', async () => {
      simulator = await startSimulator();
      const recorder = await run(
        target(
          simUrl('?mode=stream&silence_ms=200&burst_ms=300&byte_order=big'),
          '    l16_byte_order: big',
        ),
      );
      await eventually(
        () => Promise.resolve(recorder.of('turn_latency').length >= 1),
        8_000,
        'a bot turn',
      );
      expect(violations(recorder)).toEqual([]);
    });

    it('offers audio.drachtio.org when told to, and fails to connect where it is refused', async () => {
      simulator = await startSimulator();
      const drachtio = await run(
        target(
          simUrl('?mode=echo&subprotocol=audio.drachtio.org'),
          '    subprotocol: audio.drachtio.org',
        ),
      );
      await eventually(
        () => Promise.resolve(drachtio.of('connected').length >= 1),
        8_000,
        'the drachtio session to open',
      );
      const refused = await run(target(simUrl('?mode=echo&subprotocol=audio.drachtio.org')));
      await eventually(
        () => Promise.resolve(refused.of('connect_failed').length >= 1),
        8_000,
        'the refused handshake',
      );
      // Refused on every attempt (the runner retries with back-off).
      const rejections = simulator.truth().ws_endpoints.listen.listen_rejections;
      expect(Object.keys(rejections)).toEqual(['subprotocol']);
      expect(rejections.subprotocol).toBeGreaterThanOrEqual(1);
      expect(refused.of('connected')).toEqual([]);
    });

    it('counts a close it did not start as abnormal', async () => {
      simulator = await startSimulator();
      const recorder = await run(target(simUrl('')));
      await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 8_000, 'open');
      simulator.wsAction('listen', 'close_1011');
      await eventually(
        () => Promise.resolve(recorder.of('closed').length >= 1),
        8_000,
        'the close',
      );
      expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
        code: 1011,
        abnormal: true,
      });
    });
  });

  describe('against a scripted application server', () => {
    async function open(
      extra = '',
      audio?: string,
    ): Promise<{
      connection: AppConnection;
      recorder: ReturnType<typeof recordingEvents>;
    }> {
      server = await startAppServer();
      const recorder = await run(target(server.url, extra, '20s', audio));
      const connection = await server.first();
      await connection.metadata;
      return { connection, recorder };
    }

    it('sends the first frame as jambonz does: call info with the metadata merged on top', async () => {
      const { connection } = await open(
        '    sample_rate: 16000\n    metadata: { bot: "probe", from: "+4930123" }',
      );
      expect(connection.protocol).toBe('audio.jambonz.org');
      const first = await connection.metadata;
      expect(first).toMatchObject({
        sampleRate: 16000,
        mixType: 'mono',
        direction: 'inbound',
        to: '+15550199',
        sipStatus: 200,
        sipReason: 'OK',
        callStatus: 'in-progress',
        bot: 'probe',
        // The verb metadata overrides the call info, as Object.assign does in listen.js.
        from: '+4930123',
      });
      for (const field of ['callSid', 'callId', 'accountSid', 'applicationSid', 'traceId']) {
        expect(typeof first[field]).toBe('string');
      }
      expect(first).not.toHaveProperty('metadata');
    });

    it('sends little-endian L16 by default and big-endian when configured', async () => {
      const little = await open('', '{ source: tone, level_dbfs: -20 }');
      await eventually(() => Promise.resolve(little.connection.binary.length >= 3), 5_000, 'audio');
      const frame = little.connection.binary[2]?.data ?? Buffer.alloc(0);
      expect(levelDbfs(frame, 'le')).toBeGreaterThan(-25);
      expect(levelDbfs(frame, 'le')).toBeLessThan(-15);
      for (const runner of runners.splice(0)) await runner.stop();
      await server?.close();

      const big = await open('    l16_byte_order: big', '{ source: tone, level_dbfs: -20 }');
      await eventually(() => Promise.resolve(big.connection.binary.length >= 3), 5_000, 'audio');
      const swapped = big.connection.binary[2]?.data ?? Buffer.alloc(0);
      expect(levelDbfs(swapped, 'be')).toBeGreaterThan(-25);
      expect(levelDbfs(swapped, 'be')).toBeLessThan(-15);
      // Read the wrong way round, the tone is not at its level.
      expect(Math.abs(levelDbfs(swapped, 'le') - levelDbfs(swapped, 'be'))).toBeGreaterThan(3);
    });

    it('plays queued clips one after another, each playDone carrying its id', async () => {
      const { connection, recorder } = await open();
      const audioContent = loudPcm(200).toString('base64');
      const sentAt = performance.now();
      connection.send({
        type: 'playAudio',
        data: { audioContent, audioContentType: 'raw', sampleRate: 8000, id: 'a' },
      });
      connection.send({
        type: 'playAudio',
        data: { audioContent, audioContentType: 'raw', sampleRate: 8000, id: 'b', queuePlay: true },
      });
      const first = await connection.next((event) => event.type === 'playDone');
      const firstAt = performance.now();
      const second = await connection.next((event) => event.type === 'playDone');
      const secondAt = performance.now();
      expect(first).toEqual({ type: 'playDone', data: { id: 'a' } });
      expect(second).toEqual({ type: 'playDone', data: { id: 'b' } });
      expect(firstAt - sentAt).toBeGreaterThanOrEqual(190);
      expect(secondAt - sentAt).toBeGreaterThanOrEqual(390);
      expect(violations(recorder)).toEqual([]);
    });

    it('answers a mark once the streamed audio before it has played, not when it arrives', async () => {
      const { connection, recorder } = await open();
      const sentAt = performance.now();
      // 400 ms of audio in one go, as a bot streaming faster than real time does.
      for (let i = 0; i < 20; i++) connection.ws.send(loudPcm(20));
      connection.send({ type: 'mark', data: { name: 'end-of-answer' } });
      const mark = await connection.next((event) => event.type === 'mark');
      expect(mark).toEqual({ type: 'mark', data: { name: 'end-of-answer', event: 'playout' } });
      expect(performance.now() - sentAt).toBeGreaterThanOrEqual(380);
      expect(violations(recorder)).toEqual([]);
    });

    it('answers pending marks with cleared on clearMarks and on killAudio', async () => {
      const { connection, recorder } = await open();
      for (let i = 0; i < 50; i++) connection.ws.send(loudPcm(20));
      connection.send({ type: 'mark', data: { name: 'm1' } });
      connection.send({ type: 'clearMarks' });
      expect(await connection.next((event) => event.type === 'mark')).toEqual({
        type: 'mark',
        data: { name: 'm1', event: 'cleared' },
      });
      connection.send({ type: 'mark', data: { name: 'm2' } });
      connection.send({
        type: 'playAudio',
        data: {
          audioContent: loudPcm(2000).toString('base64'),
          audioContentType: 'raw',
          sampleRate: 8000,
          id: 'long',
        },
      });
      const killedAt = performance.now();
      connection.send({ type: 'killAudio' });
      expect(await connection.next((event) => event.type === 'playDone')).toEqual({
        type: 'playDone',
        data: { id: 'long' },
      });
      // Broken off, not played to its end.
      expect(performance.now() - killedAt).toBeLessThan(1_500);
      expect(await connection.next((event) => event.type === 'mark')).toEqual({
        type: 'mark',
        data: { name: 'm2', event: 'cleared' },
      });
      expect(violations(recorder)).toEqual([]);
    });

    it('counts every invalid command with a stable kind and keeps the stream alive', async () => {
      const { connection, recorder } = await open();
      const pcm = loudPcm(100).toString('base64');
      const bad: [unknown, string][] = [
        ['not json', 'not_json'],
        [[1, 2], 'not_an_object'],
        [{ type: 'transcode' }, 'unknown_type'],
        [{ type: 'playAudio' }, 'play_audio_no_data'],
        [
          {
            type: 'playAudio',
            data: { audioContent: pcm, audioContentType: 'raw', sampleRate: -8000 },
          },
          'play_audio_sample_rate',
        ],
        [
          {
            type: 'playAudio',
            data: { audioContent: pcm, audioContentType: 'raw', sampleRate: '8000' },
          },
          'play_audio_sample_rate',
        ],
        [
          { type: 'playAudio', data: { audioContent: pcm, audioContentType: 'raw' } },
          'play_audio_sample_rate',
        ],
        [
          {
            type: 'playAudio',
            data: { audioContent: '***', audioContentType: 'raw', sampleRate: 8000 },
          },
          'play_audio_content',
        ],
        [
          {
            type: 'playAudio',
            data: { audioContent: 42, audioContentType: 'raw', sampleRate: 8000 },
          },
          'play_audio_content',
        ],
        [
          {
            type: 'playAudio',
            data: { audioContent: pcm, audioContentType: 'mp3', sampleRate: 8000 },
          },
          'play_audio_content_type',
        ],
        [
          { type: 'playAudio', data: { audioContent: pcm, audioContentType: 'wav' } },
          'play_audio_bad_wav',
        ],
        [
          {
            type: 'playAudio',
            data: {
              audioContent: pcm,
              audioContentType: 'raw',
              sampleRate: 8000,
              queuePlay: 'yes',
            },
          },
          'play_audio_bad_field',
        ],
        [
          {
            type: 'playAudio',
            data: {
              audioContent: 'A'.repeat(6_000_000),
              audioContentType: 'raw',
              sampleRate: 8000,
            },
          },
          'play_audio_too_big',
        ],
        [{ type: 'mark', data: {} }, 'mark_invalid'],
        [{ type: 'mark', data: { name: 'x'.repeat(1_000) } }, 'mark_invalid'],
      ];
      for (const [message] of bad) connection.send(message);
      await eventually(
        () => Promise.resolve(violations(recorder).length >= bad.length),
        5_000,
        'every violation',
      );
      expect(violations(recorder)).toEqual(bad.map(([, kind]) => kind));
      // Still streaming, and a valid command still works.
      connection.send({
        type: 'playAudio',
        data: { audioContent: pcm, audioContentType: 'raw', sampleRate: 8000, id: 7 },
      });
      expect(await connection.next((event) => event.type === 'playDone')).toEqual({
        type: 'playDone',
        data: { id: 7 },
      });
      expect(recorder.of('closed')).toEqual([]);
    });

    it('drops playAudio beyond the gateway queue and marks beyond its limit, counting both', async () => {
      const { connection, recorder } = await open();
      const audioContent = loudPcm(1000).toString('base64');
      for (let i = 0; i < 13; i++) {
        connection.send({
          type: 'playAudio',
          data: {
            audioContent,
            audioContentType: 'raw',
            sampleRate: 8000,
            id: `q${i}`,
            queuePlay: true,
          },
        });
      }
      for (let i = 0; i < 50; i++) connection.ws.send(loudPcm(20));
      for (let i = 0; i < 31; i++) connection.send({ type: 'mark', data: { name: `m${i}` } });
      await eventually(
        () => Promise.resolve(violations(recorder).length >= 2),
        5_000,
        'the queue and mark limits',
      );
      // One plays, 11 wait (listen.js keeps up to 11), the 13th is dropped; 30 marks wait.
      expect(violations(recorder).sort()).toEqual(['mark_limit', 'play_queue_full']);
    });

    it('ends the session as completed on disconnect and as a server error on error', async () => {
      const first = await open();
      first.connection.send({ type: 'disconnect' });
      await eventually(
        () => Promise.resolve(first.recorder.of('closed').length >= 1),
        5_000,
        'close',
      );
      expect((first.recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
        reason: 'completed',
        abnormal: false,
      });
      for (const runner of runners.splice(0)) await runner.stop();
      await server?.close();

      const second = await open();
      second.connection.send({ type: 'error', data: { reason: 'bot crashed' } });
      await eventually(
        () => Promise.resolve(second.recorder.of('closed').length >= 1),
        5_000,
        'close',
      );
      expect((second.recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
        reason: 'server_error',
        abnormal: true,
      });
    });
  });

  describe('configuration', () => {
    it('refuses metadata the gateway could not send in its 8 KiB first frame', async () => {
      const big = `    metadata: { blob: "${'x'.repeat(7_100)}" }`;
      await expect(parseConfig(target('ws://127.0.0.1:1/listen', big), 'big.yml')).rejects.toThrow(
        /7000 bytes/,
      );
    });

    it('knows only the two subprotocols jambonz speaks and the two byte orders', async () => {
      await expect(
        parseConfig(
          target('ws://127.0.0.1:1/listen', '    subprotocol: audio.example.org'),
          'a.yml',
        ),
      ).rejects.toThrow(/subprotocol/);
      await expect(
        parseConfig(target('ws://127.0.0.1:1/listen', '    l16_byte_order: middle'), 'b.yml'),
      ).rejects.toThrow(/l16_byte_order/);
      const config = await parseConfig(
        target(
          'ws://127.0.0.1:1/listen',
          '    subprotocol: audio.drachtio.org\n    l16_byte_order: big',
        ),
        'c.yml',
      );
      expect(config.targets[0]).toMatchObject({
        subprotocol: 'audio.drachtio.org',
        l16_byte_order: 'big',
      });
    });
  });
});
