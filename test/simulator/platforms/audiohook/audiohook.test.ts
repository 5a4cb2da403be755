import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  MEDIA,
  ZERO_UUID,
  openAudiohook,
  pcmuLoud,
  pcmuSilence,
  type AudiohookClient,
  type SigningOptions,
} from '../../../support/simulator-audio.ts';
import { eventually, sleep } from '../../../support/wait.ts';

const MONITOR = '/api/v1/audiohook/ws';

describe('AudioHook protocol', () => {
  let sim: RunningSimulator;
  const clients: AudiohookClient[] = [];
  const connect = async (options: SigningOptions = {}): Promise<AudiohookClient> => {
    const client = await openAudiohook(sim, options);
    clients.push(client);
    return client;
  };
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await sim.close();
  });

  it('answers open with opened selecting exactly one offered item (mono external first)', async () => {
    const client = await connect();
    const opened = await client.open({ media: [MEDIA.pcmuStereo, MEDIA.pcmuExternal] });
    expect(opened).toMatchObject({
      version: '2',
      id: client.sessionId,
      type: 'opened',
      seq: 1,
      clientseq: 1,
      parameters: { media: [MEDIA.pcmuExternal], startPaused: false },
    });
    expect((opened.parameters as { media: unknown[] }).media).toHaveLength(1);
    const truth = sim.truth().ws_endpoints.audiohook;
    expect(truth.streams_opened).toBe(1);
    expect(truth.connection_probes).toBe(0);
  });

  it('prefers a mono external offer, PCMU only on the connector, and stereo when preferred', async () => {
    const monitor = await connect({ path: MONITOR });
    const opened = await monitor.open({ media: [MEDIA.pcmuInternal, MEDIA.l16External] });
    expect(opened.parameters).toMatchObject({ media: [MEDIA.l16External] });
    // The Audio Connector route takes PCMU only, as the Audio Connector sample does.
    const connector = await connect();
    const answer = await connector.open({ media: [MEDIA.l16External, MEDIA.pcmuInternal] });
    expect(answer.parameters).toMatchObject({ media: [MEDIA.pcmuInternal] });

    await sim.close();
    sim = await startSimulator({ audiohookPreferStereo: true });
    const stereo = await connect();
    const chosen = await stereo.open({ media: [MEDIA.pcmuExternal, MEDIA.pcmuStereo] });
    expect(chosen.parameters).toMatchObject({ media: [MEDIA.pcmuStereo] });
  });

  it('answers a connection probe with empty media, then runs the close transaction', async () => {
    // Monitor route: the reference server answers an empty offer with an empty selection.
    const client = await connect({ path: MONITOR });
    const opened = await client.open({
      conversationId: ZERO_UUID,
      participant: { id: ZERO_UUID, ani: '', aniName: '', dnis: '' },
      media: [],
    });
    expect(opened.parameters).toMatchObject({ media: [], startPaused: false });
    client.send('close', { reason: 'end' });
    expect(await client.next((m) => m.type === 'closed')).toMatchObject({
      seq: 2,
      clientseq: 2,
      parameters: {},
    });
    client.ws.close();
    expect((await client.closed).code).toBe(1005);
    await eventually(() => sim.sessions('audiohook') === 0);
    const truth = sim.truth().ws_endpoints.audiohook;
    expect(truth).toMatchObject({
      connection_probes: 1,
      streams_opened: 0,
      close_transactions: 1,
      closes: { client_closed: { 1005: 1 }, server_closed: {} },
    });
  });

  it('answers ping with pong carrying the ping seq, after the pong delay, recorded', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { pong_delay: { fixed_ms: 40 } } } });
    const client = await connect();
    await client.open();
    const seq = client.send('ping', { rtt: 'PT0.012S' });
    const started = performance.now();
    const pong = await client.next((m) => m.type === 'pong');
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(pong).toMatchObject({ type: 'pong', seq: 2, clientseq: seq, parameters: {} });
    expect(sim.pongDelays('audiohook', 'application')).toEqual([40]);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({ app_pings: 1, app_pongs: 1 });
  });

  it('rejects a client seq gap with disconnect error, as the reference server does', async () => {
    const client = await connect();
    await client.open();
    client.send('ping');
    expect(await client.next((m) => m.type === 'pong')).toMatchObject({ seq: 2, clientseq: 2 });
    client.send('ping', {}, 5);
    expect(await client.next((m) => m.type === 'disconnect')).toMatchObject({
      seq: 3,
      parameters: {
        reason: 'error',
        info: 'Client Error: Invalid seq value (not monotonically increasing)',
      },
    });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      seq_violations: 1,
      rejections: { seq: 1 },
      app_pongs: 1,
    });
  });

  it('counts paused, resumed, discarded and client errors, and answers update', async () => {
    const client = await connect();
    await client.open();
    client.send('paused');
    client.send('resumed', { start: 'PT1S', discarded: 'PT0.4S' });
    client.send('discarded', { start: 'PT2S', discarded: 'PT0.2S' });
    client.send('error', { code: 429, message: 'slow down', retryAfter: 'PT1S' });
    client.send('update', { language: 'es-ES' });
    expect(await client.next((m) => m.type === 'updated')).toMatchObject({ clientseq: 6 });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      paused: 1,
      resumed: 1,
      discarded: 1,
      client_errors: 1,
      updates: 1,
    });
  });

  it('disconnects with error on audio before opened', async () => {
    const client = await connect();
    client.ws.send(pcmuSilence());
    expect(await client.next()).toMatchObject({
      type: 'disconnect',
      seq: 1,
      parameters: { reason: 'error', info: 'Client Error: audio before opened' },
    });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      early_audio: 1,
      frames_received: 1,
      disconnects_sent: 1,
    });
    // The client answers a disconnect with a close transaction.
    client.send('close', { reason: 'disconnect' });
    expect(await client.next((m) => m.type === 'closed')).toMatchObject({ seq: 2 });
  });

  it('disconnects with error on a text message above 64 KiB', async () => {
    const client = await connect();
    await client.open();
    client.ws.send(JSON.stringify({ padding: 'x'.repeat(70_000) }));
    expect(await client.next((m) => m.type === 'disconnect')).toMatchObject({
      parameters: { reason: 'error', info: 'Client Error: message too large' },
    });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      oversize_messages: 1,
      rejections: { message_too_large: 1 },
    });
  });

  it('disconnects with error on malformed and unknown messages', async () => {
    const client = await connect();
    client.ws.send('not json');
    expect(await client.next()).toMatchObject({
      type: 'disconnect',
      parameters: { reason: 'error', info: 'Client Error: Text message not valid JSON' },
    });
    const other = await connect();
    await other.open();
    other.send('explode');
    expect(await other.next((m) => m.type === 'disconnect')).toMatchObject({
      parameters: {
        reason: 'error',
        info: "Client Error: 'explode' is not a supported client message",
      },
    });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      bad_messages: 2,
      rejections: { not_json: 1, unknown_type: 1 },
    });
  });

  it('monitor mode sends a transcript event per 2 s of audio and no audio back', async () => {
    const client = await connect({ path: MONITOR });
    await client.open();
    // 2.2 s of 200 ms PCMU frames, sent at once: the event follows media time, not wall time.
    for (let i = 0; i < 11; i++) client.ws.send(i % 2 === 0 ? pcmuLoud() : pcmuSilence());
    const event = await client.next((m) => m.type === 'event');
    expect(event.parameters).toMatchObject({
      entities: [
        {
          type: 'transcript',
          data: {
            channelId: 0,
            isFinal: true,
            offset: 'PT0S',
            duration: 'PT2S',
            alternatives: [
              { confidence: 0.9, interpretations: [{ type: 'display', transcript: 'hello' }] },
            ],
          },
        },
      ],
    });
    await sleep(100);
    expect(client.frames).toHaveLength(0);
    const truth = sim.truth().ws_endpoints.audiohook;
    expect(truth).toMatchObject({ events_sent: 1, frames_received: 11, frames_sent: 0 });
  });

  it('stops audio at close: no frame follows closed', async () => {
    sim.setFaults({ ws_endpoints: { audiohook: { frame_delay: { fixed_ms: 200 } } } });
    const client = await connect();
    await client.open();
    client.ws.send(pcmuSilence());
    client.send('close', { reason: 'end' });
    await client.next((m) => m.type === 'closed');
    await sleep(300);
    expect(client.frames).toHaveLength(0);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({ frames_unsent: 1, frames_sent: 0 });
  });
});
