import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../../src/simulator/index.ts';
import {
  MEDIA,
  ORG_ID,
  ZERO_UUID,
  l16Frame,
  openAudiohook,
  pcmuSilence,
  type AudiohookClient,
  type SigningOptions,
} from '../../../support/simulator-audio.ts';
import { sleep } from '../../../support/wait.ts';

const MONITOR = '/api/v1/audiohook/ws';

/**
 * The strict AudioHook server: every client message the reference server rejects is answered
 * `disconnect {reason:"error"}` and counted by reason in `rejections` (docs/protocols.md §10.3).
 * The clients here are raw `ws` sockets that break one rule each.
 */
describe('AudioHook simulator rejects what the reference server rejects', () => {
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

  const rejections = () => sim.truth().ws_endpoints.audiohook.rejections;
  const disconnect = (client: AudiohookClient) =>
    client.next((message) => message.type === 'disconnect');

  /** A client message with every envelope field right unless `override` changes it. */
  const raw = (client: AudiohookClient, override: Record<string, unknown>): void => {
    client.ws.send(
      JSON.stringify({
        version: '2',
        id: client.sessionId,
        type: 'ping',
        seq: 1,
        serverseq: 0,
        position: 'PT0S',
        parameters: {},
        ...override,
      }),
    );
  };

  it.each([
    ['no position', { position: undefined }],
    ['a position that is no duration', { position: '12.5' }],
    ['no serverseq', { serverseq: undefined }],
    ['no parameters', { parameters: undefined }],
    ['a version other than "2"', { version: '1' }],
    ['an id that is no UUID', { id: 'session-1' }],
    ['a negative seq', { seq: -1 }],
  ])('rejects an envelope with %s', async (_what, override) => {
    const client = await connect();
    raw(client, override);
    expect(await disconnect(client)).toMatchObject({
      parameters: {
        reason: 'error',
        info: 'Client Error: Message not a well-formed client message',
      },
    });
    expect(rejections()).toEqual({ bad_envelope: 1 });
  });

  it('rejects a serverseq above what the server sent, and another session id', async () => {
    const client = await connect();
    raw(client, { serverseq: 3 });
    expect(await disconnect(client)).toMatchObject({
      parameters: { info: 'Client Error: Invalid serverseq value' },
    });
    const other = await connect();
    raw(other, { id: randomUUID() });
    expect(await disconnect(other)).toMatchObject({
      parameters: { info: 'Client Error: Session identifier mismatch' },
    });
    expect(rejections()).toEqual({ serverseq: 1, session_id: 1 });
  });

  it.each([
    ['a language that is no language code', { language: 'english' }],
    ['a participant without ani', { participant: { id: randomUUID(), aniName: '', dnis: '' } }],
    [
      'a participant id that is no UUID',
      { participant: { id: 'p', ani: '', aniName: '', dnis: '' } },
    ],
    ['a media item at 16 kHz', { media: [{ ...MEDIA.pcmuExternal, rate: 16000 }] }],
    [
      'a media item with three channels',
      { media: [{ ...MEDIA.pcmuStereo, channels: ['external', 'internal', 'external'] }] },
    ],
    ['no conversationId', { conversationId: undefined }],
    ['a customConfig that is no object', { customConfig: [1, 2] }],
  ])('rejects an open with %s', async (_what, parameters) => {
    const client = await connect();
    const answer = await client.open(parameters);
    expect(answer).toMatchObject({
      type: 'disconnect',
      parameters: {
        reason: 'error',
        info: "Client Error: Invalid 'open' message: invalid or missing parameters",
      },
    });
    expect(rejections()).toEqual({ bad_parameters: 1 });
    expect(sim.truth().ws_endpoints.audiohook.streams_opened).toBe(0);
  });

  it.each([
    ['close without a reason', 'close', {}],
    ['close with an unknown reason', 'close', { reason: 'bored' }],
    ['ping with an rtt that is no duration', 'ping', { rtt: 12 }],
    ['resumed without discarded', 'resumed', { start: 'PT1S' }],
    ['discarded with a negative duration', 'discarded', { start: 'PT0S', discarded: '-PT1S' }],
    ['update without a language', 'update', {}],
    ['error with a code below 400', 'error', { code: 200, message: 'fine' }],
  ])('rejects %s', async (_what, type, parameters) => {
    const client = await connect();
    await client.open();
    client.send(type, parameters);
    expect((await disconnect(client)).parameters).toMatchObject({
      reason: 'error',
      info: `Client Error: Invalid '${type}' message: invalid or missing parameters`,
    });
    expect(rejections()).toEqual({ bad_parameters: 1 });
  });

  it('rejects a second open and a second close', async () => {
    const client = await connect();
    await client.open();
    expect((await client.open()).parameters).toMatchObject({
      info: 'Client Error: unexpected open',
    });
    const other = await connect();
    other.send('close', { reason: 'end' });
    await other.next((message) => message.type === 'closed');
    other.send('close', { reason: 'end' });
    await sleep(100);
    // Once the client is closing nothing more is sent, but the rejection is counted.
    expect(rejections()).toEqual({ unexpected_open: 1, close_repeated: 1 });
  });

  it('accepts Audio Connector notices only on the Audio Connector route', async () => {
    const connector = await connect();
    await connector.open();
    connector.send('playback_started');
    connector.send('ping');
    await connector.next((message) => message.type === 'pong');
    const monitor = await connect({ path: MONITOR });
    await monitor.open();
    monitor.send('dtmf', { digit: '1' });
    expect((await disconnect(monitor)).parameters).toMatchObject({
      info: "Client Error: 'dtmf' is not a supported client message",
    });
    expect(rejections()).toEqual({ unknown_type: 1 });
  });

  it('the Audio Connector route refuses an offer without PCMU, as its sample does', async () => {
    const client = await connect();
    const answer = await client.open({
      conversationId: ZERO_UUID,
      participant: { id: ZERO_UUID, ani: '', aniName: '', dnis: '' },
      media: [],
    });
    expect(answer).toMatchObject({
      type: 'disconnect',
      parameters: { reason: 'error', info: 'Client Error: No supported media type was found.' },
    });
    expect(rejections()).toEqual({ no_media: 1 });
  });

  it('rejects audio that is not a whole number of samples, and audio after close', async () => {
    const client = await connect({ path: MONITOR });
    await client.open({ media: [MEDIA.l16External] });
    client.ws.send(l16Frame(160, false).subarray(0, 319));
    expect((await disconnect(client)).parameters).toMatchObject({
      info: 'Client Error: binary data not a valid audio frame',
    });
    const other = await connect();
    await other.open();
    other.send('close', { reason: 'end' });
    await other.next((message) => message.type === 'closed');
    other.ws.send(pcmuSilence());
    await sleep(100);
    expect(rejections()).toEqual({ bad_audio_frame: 1, audio_after_close: 1 });
  });

  it('never answers a client with error, whatever it sends', async () => {
    const client = await connect();
    client.ws.send('not json');
    await disconnect(client);
    await sleep(50);
    expect(client.json.every((message) => message.type !== 'error')).toBe(true);
  });
});

describe('AudioHook simulator session behaviours', () => {
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

  it('startPaused: rejects audio from a client that ignores it', async () => {
    const client = await connect();
    const opened = await client.open({ customConfig: { startPaused: true } });
    expect(opened.parameters).toMatchObject({ startPaused: true });
    client.ws.send(pcmuSilence());
    expect(await client.next((message) => message.type === 'disconnect')).toMatchObject({
      parameters: { reason: 'error', info: 'Client Error: audio while paused' },
    });
    expect(sim.truth().ws_endpoints.audiohook.rejections).toEqual({ audio_while_paused: 1 });
  });

  it('startPaused: resumes a client that answered paused, and takes audio after resumed', async () => {
    const client = await connect();
    await client.open({ customConfig: { startPaused: true, resumeAfterMs: 150 } });
    client.send('paused');
    const resume = await client.next((message) => message.type === 'resume');
    expect(resume).toMatchObject({ seq: 2, parameters: {} });
    client.send('resumed', { start: 'PT0S', discarded: 'PT0.2S' });
    client.ws.send(pcmuSilence());
    client.send('ping');
    await client.next((message) => message.type === 'pong');
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      rejections: {},
      resumes_sent: 1,
      paused: 1,
      resumed: 1,
      resumed_discarded_ms: { count: 1, max: 200 },
      frames_received: 1,
    });
  });

  it('discardTo: opened carries it and the client reports what it discarded', async () => {
    const client = await connect();
    const opened = await client.open({ customConfig: { discardToMs: 1500 } });
    expect(opened.parameters).toMatchObject({ discardTo: 'PT1.5S' });
    client.send('discarded', { start: 'PT0S', discarded: 'PT1.5S' });
    client.send('ping');
    await client.next((message) => message.type === 'pong');
    expect(sim.truth().ws_endpoints.audiohook.discarded_ms).toMatchObject({ count: 1, max: 1500 });
  });

  it('server pause: frames in flight are fine, audio after paused is not', async () => {
    const client = await connect();
    await client.open({ customConfig: { pauseAfterMs: 50, resumeAfterMs: 5_000 } });
    expect(await client.next((message) => message.type === 'pause')).toMatchObject({ seq: 2 });
    // Sent before the client acted on pause: accepted.
    client.ws.send(pcmuSilence());
    client.send('paused');
    client.ws.send(pcmuSilence());
    expect(await client.next((message) => message.type === 'disconnect')).toMatchObject({
      parameters: { info: 'Client Error: audio while paused' },
    });
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      pauses_sent: 1,
      rejections: { audio_while_paused: 1 },
    });
  });

  it('openFault: disconnect during open, then the close transaction', async () => {
    const client = await connect();
    const answer = await client.open({ customConfig: { openFault: 'disconnect_unauthorized' } });
    expect(answer).toMatchObject({ type: 'disconnect', parameters: { reason: 'unauthorized' } });
    client.send('close', { reason: 'disconnect' });
    expect(await client.next((message) => message.type === 'closed')).toMatchObject({ seq: 2 });
  });

  it('openFault silent and closeFault silent leave the transactions unanswered', async () => {
    const client = await connect();
    client.send('open', {
      organizationId: ORG_ID,
      conversationId: randomUUID(),
      participant: { id: randomUUID(), ani: '', aniName: '', dnis: '' },
      media: [MEDIA.pcmuExternal],
      customConfig: { openFault: 'silent' },
    });
    await sleep(200);
    expect(client.json).toEqual([]);
    // A close is still answered: the reference server runs it in any state.
    client.send('close', { reason: 'error' });
    await client.next((message) => message.type === 'closed');

    const other = await connect();
    await other.open({ customConfig: { closeFault: 'silent' } });
    other.send('close', { reason: 'end' });
    await sleep(200);
    expect(other.json.map((message) => message.type)).toEqual(['opened']);
    expect(sim.truth().ws_endpoints.audiohook).toMatchObject({
      opens_unanswered: 1,
      closes_unanswered: 1,
      close_transactions: 1,
    });
  });

  it('reconnectAfterMs sends reconnect', async () => {
    const client = await connect();
    await client.open({ customConfig: { reconnectAfterMs: 50 } });
    expect(await client.next((message) => message.type === 'reconnect')).toMatchObject({
      seq: 2,
      parameters: { info: 'simulated reconnect request' },
    });
    expect(sim.truth().ws_endpoints.audiohook.reconnects_sent).toBe(1);
  });
});
