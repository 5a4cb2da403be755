import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpoint, type AudioStream } from '@jambonz/sdk/websocket';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { NO_DEPS } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';

/**
 * The vendor's own `listen` audio server — `@jambonz/sdk`'s `makeService.audio()` /
 * `AudioStream` — receiving cxprobe's `voicegateway-listen` probe (docs/protocols.md §10.7).
 * The SDK accepts only the `audio.drachtio.org` subprotocol, so the probe is configured with it;
 * with the default `audio.jambonz.org` the SDK completes the upgrade without selecting one, and a
 * client that asked for a subprotocol must then fail the connection (RFC 6455 §4.1), as cxprobe does.
 *
 * Not exchanged here: DTMF (the SDK's `dtmf` event; cxprobe plays no DTMF) and the SDK's
 * `close()` without `disconnect` (a close the gateway did not start; covered against the
 * simulator in test/probers/voicegateway-listen.test.ts).
 */

const quiet = { info: () => undefined, error: () => undefined, debug: () => undefined };

function target(url: string, extra = ''): string {
  return `
targets:
  - name: sdk-listen
    kind: voicegateway-listen
    url: ${url}
    timeout: 2s
    interval: 30s
    session_length: 20s
    frame_duration: 20ms
    sample_rate: 16000
    metadata: { tenant: "acme", bot: "sdk-peer" }
    audio: { source: talk, talk: 300ms, pause: 600ms }
${extra}`;
}

/** Loud mono L16 (little-endian, as the SDK's `sendAudio` passes it through) of `ms` at `rate`. */
function loudPcm(ms: number, rate: number): Buffer {
  const samples = Math.round((ms * rate) / 1000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  }
  return pcm;
}

describe('@jambonz/sdk audio server as the peer of voicegateway-listen', () => {
  let server: Server | undefined;
  const runners: SessionRunner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    server?.closeAllConnections();
    server?.close();
    server = undefined;
  });

  /** An SDK endpoint on loopback port 0; resolves its URL and the streams it accepts. */
  async function sdkServer() {
    server = createServer();
    const makeService = createEndpoint({ server, logger: quiet });
    const audio = makeService.audio({ path: '/listen' });
    const streams: AudioStream[] = [];
    audio.on('connection', (stream) => {
      streams.push(stream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${port}/listen`, streams };
  }

  async function probe(yaml: string) {
    const recorder = recordingEvents();
    runners.push(await startSessionTarget(yaml, recorder, NO_DEPS));
    return recorder;
  }

  it('the SDK sees the metadata and the audio, drives playAudio / marks / killAudio, cxprobe measures', async () => {
    const sdk = await sdkServer();
    const recorder = await probe(target(sdk.url, '    subprotocol: audio.drachtio.org'));
    const stream = await eventually(() => Promise.resolve(sdk.streams[0]), 8_000, 'a stream');

    // The metadata as jambonz sends it: numeric sampleRate, call info, verb metadata on top.
    expect(stream.sampleRate).toBe(16000);
    expect(typeof stream.callSid).toBe('string');
    expect(stream.metadata).toMatchObject({
      sampleRate: 16000,
      mixType: 'mono',
      direction: 'inbound',
      tenant: 'acme',
      bot: 'sdk-peer',
    });
    for (const field of ['from', 'to', 'callId', 'accountSid', 'applicationSid']) {
      expect(typeof stream.metadata[field]).toBe('string');
    }

    // The caller's audio reaches the SDK as L16 at the metadata rate (20 ms = 640 bytes).
    const audio: Buffer[] = [];
    stream.on('audio', (chunk) => audio.push(chunk));
    await eventually(() => Promise.resolve(audio.length >= 10), 5_000, 'caller audio');
    expect(audio.every((chunk) => chunk.length === 640)).toBe(true);

    const events: Record<string, unknown>[] = [];
    stream.on('playDone', (event) => events.push({ type: 'playDone', ...event }));
    stream.on('mark', (event) => events.push({ type: 'mark', ...event }));
    const event = (match: (e: Record<string, unknown>) => boolean, what: string) =>
      eventually(() => Promise.resolve(events.find(match)), 5_000, what);

    // Non-streaming: playAudio through the SDK (its default sampleRate is the stream's, a number).
    const playedAt = performance.now();
    stream.playAudio(loudPcm(300, 16000).toString('base64'), { id: 'greeting' });
    await event((e) => e.type === 'playDone' && e.id === 'greeting', 'playDone greeting');
    expect(performance.now() - playedAt).toBeGreaterThanOrEqual(280);

    // Streaming: audio, then a mark answered once that audio has played.
    const streamedAt = performance.now();
    stream.sendAudio(loudPcm(400, 16000));
    stream.sendMark('after-answer');
    await event((e) => e.type === 'mark' && e.name === 'after-answer', 'mark after-answer');
    expect(events.find((e) => e.name === 'after-answer')).toMatchObject({ event: 'playout' });
    expect(performance.now() - streamedAt).toBeGreaterThanOrEqual(380);

    // Barge-in: killAudio drops the buffered audio and clears the pending mark.
    stream.sendAudio(loudPcm(3000, 16000));
    stream.sendMark('barge');
    stream.killAudio();
    await event((e) => e.name === 'barge', 'mark barge');
    expect(events.find((e) => e.name === 'barge')).toMatchObject({ event: 'cleared' });

    // clearMarks clears without dropping audio.
    stream.sendAudio(loudPcm(2000, 16000));
    stream.sendMark('cleared-one');
    stream.clearMarks();
    await event((e) => e.name === 'cleared-one', 'mark cleared-one');
    expect(events.find((e) => e.name === 'cleared-one')).toMatchObject({ event: 'cleared' });

    // cxprobe measured the answers and saw nothing wrong in what the SDK sent.
    expect(recorder.of('turn_latency').length).toBeGreaterThanOrEqual(1);
    expect(recorder.of('frame_received').length).toBeGreaterThan(0);
    expect(recorder.of('violation')).toEqual([]);

    // The application ends the listen: a completed session, not a drop.
    const closed = once(stream, 'close');
    stream.disconnect();
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 5_000, 'the end');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'completed',
      abnormal: false,
    });
    await closed;
  });

  it('cannot connect with the default audio.jambonz.org: the SDK selects no subprotocol', async () => {
    const sdk = await sdkServer();
    const recorder = await probe(target(sdk.url));
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 1),
      8_000,
      'the failed handshake',
    );
    expect(recorder.of('connected')).toEqual([]);
    expect(sdk.streams).toEqual([]);
  });
});
