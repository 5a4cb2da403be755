import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import {
  TurnDetector,
  channelZeroDbfs,
  durationMs,
  isoDuration,
  toneFrame,
  type AudioLayout,
} from './audio-codec.ts';
import { FrameSender } from './audio-sender.ts';
import { verifyAudiohookRequest } from './audiohook-auth.ts';
import type { SimulatorContext } from './context.ts';
import { isRecord } from './reply.ts';
import type { WsCounter } from './truth.ts';
import { createWsServer, openWsSession, toBuffer } from './ws-connection.ts';
import type { WsHub } from './ws-hub.ts';
import type { ProtocolAction, WsSession } from './ws-session.ts';
import type { SignatureFailure } from './ws-truth.ts';
import { refuseUpgrade, type UpgradeRoute } from './ws-upgrade.ts';

const KEY = 'audiohook';

/** Monitor (transcription) route: no audio back, transcript `event`s (docs/protocols.md §3.1). */
export const AUDIOHOOK_PATH = '/api/v1/audiohook/ws';
/** Audio Connector (bot) route: audio back (docs/protocols.md §3.11). */
export const AUDIO_CONNECTOR_PATH = '/api/v1/audioconnector/ws';

/** A failed handshake is answered no sooner than this after it arrived (docs/protocols.md §3.3). */
export const HANDSHAKE_FAILURE_DELAY_MS = 500;
/** Largest text message accepted; larger ones get `disconnect {reason:"error"}`. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** A transcript `event` per this much received audio, monitor mode. */
const TRANSCRIPT_EVERY_MS = 2_000;
/** Defaults of the Audio Connector `bursts` bot mode, ms. */
export const DEFAULT_SILENCE_MS = 600;
export const DEFAULT_BURST_MS = 1_000;
/** Pacing of generated frames is the caller's frame duration, kept within these bounds (ms). */
const MIN_FRAME_MS = 10;
const MAX_FRAME_MS = 1_000;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Options of {@link AudiohookServer}. */
export interface AudiohookOptions {
  /** API key → base64 client secret; an empty secret allows unsigned requests. */
  keys: ReadonlyMap<string, string>;
  /** Select a stereo offer first; otherwise a mono `external` offer is preferred. */
  preferStereo: boolean;
}

/** One offered or selected AudioHook media item. */
interface MediaItem {
  type: 'audio';
  format: 'PCMU' | 'L16';
  channels: string[];
  rate: number;
}

/** A parsed client message (envelope checked). */
interface ClientMessage {
  type: string;
  seq: number;
  parameters: Record<string, unknown>;
}

/**
 * The AudioHook / Audio Connector server (`audiohook`, docs/protocols.md §3): verifies the handshake
 * signature like the reference server, runs the version-2 protocol (open, ping, close, pause
 * notices, update) and, on the Audio Connector route, sends audio back through the frame faults.
 */
export class AudiohookServer {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #options: AudiohookOptions;
  readonly #wss = createWsServer();
  /** Sockets whose refusal waits for the failure delay. */
  readonly #refusing = new Set<Duplex>();

  constructor(ctx: SimulatorContext, hub: WsHub, options: AudiohookOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#options = options;
  }

  /** Upgrade route of both AudioHook paths. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => url.pathname === AUDIOHOOK_PATH || url.pathname === AUDIO_CONNECTOR_PATH,
      accept: (req, socket, head, url) => {
        const arrived = performance.now();
        const verdict = verifyAudiohookRequest(req, this.#options.keys, Date.now());
        if (!verdict.ok) {
          this.#refuse(socket, arrived, verdict.reason, verdict.detail);
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.#hub.closed) {
            ws.terminate();
            return;
          }
          const connector = url.pathname === AUDIO_CONNECTOR_PATH;
          new AudiohookSession(this.#ctx, this.#hub, ws, {
            sessionId: verdict.sessionId,
            organizationId: verdict.organizationId,
            connector,
            preferStereo: this.#options.preferStereo,
          });
        });
      },
    };
  }

  /** Closes the socket server and cuts handshakes still waiting for their refusal. */
  dispose(): void {
    for (const socket of this.#refusing) socket.destroy();
    this.#refusing.clear();
    this.#wss.close();
  }

  #refuse(socket: Duplex, arrived: number, reason: SignatureFailure, detail: string): void {
    const ctx = this.#ctx;
    // Counted now, before the (delayed) answer, so a refused client finds it in the truth.
    ctx.truth.signatureFailure(reason);
    ctx.truth.wsRefused(KEY, 401);
    ctx.logger?.debug({ endpoint: KEY, reason, detail }, 'simulator refused AudioHook handshake');
    this.#refusing.add(socket);
    socket.once('close', () => this.#refusing.delete(socket));
    const wait = HANDSHAKE_FAILURE_DELAY_MS - (performance.now() - arrived);
    ctx.scheduler.schedule(Math.max(0, wait), () => {
      this.#refusing.delete(socket);
      refuseUpgrade(socket, 401, { error: 'Unauthorized' });
    });
  }
}

interface SessionSetup {
  sessionId: string;
  organizationId: string;
  /** Audio Connector route: audio goes back. */
  connector: boolean;
  preferStereo: boolean;
}

type State = 'awaiting_open' | 'opening' | 'open' | 'closing' | 'closed';

/** One AudioHook connection: the server side of the protocol's state machine. */
class AudiohookSession {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #ws: WebSocket;
  readonly #setup: SessionSetup;
  readonly #session: WsSession;
  readonly #sender: FrameSender;
  #state: State = 'awaiting_open';
  /** Set once a `disconnect` was sent: the client is to run the close transaction. */
  #disconnecting = false;
  #serverSeq = 0;
  #clientSeq = 0;
  #skipNext = false;
  #layout: AudioLayout | undefined;
  #botMode: 'echo' | 'bursts' = 'echo';
  #burstMs = DEFAULT_BURST_MS;
  #turns = new TurnDetector(DEFAULT_SILENCE_MS);
  #receivedMs = 0;
  #nextTranscriptMs = TRANSCRIPT_EVERY_MS;
  #toneSample = 0;

  constructor(ctx: SimulatorContext, hub: WsHub, ws: WebSocket, setup: SessionSetup) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#ws = ws;
    this.#setup = setup;
    this.#session = openWsSession(ctx, hub, KEY, ws, {
      protocolAction: (action) => this.#action(action),
      dispose: () => {
        this.#sender.stop();
      },
    });
    this.#sender = new FrameSender(ctx, hub, this.#session, KEY, () => setup.sessionId);
    ws.on('message', (data, isBinary) => {
      const buffer = toBuffer(data);
      if (isBinary) this.#onAudio(buffer);
      else this.#onText(buffer);
    });
  }

  #count(counter: WsCounter): void {
    this.#ctx.truth.wsCount(KEY, counter);
  }

  /** True when an unsolicited message may go out now. */
  #canSend(): boolean {
    return this.#session.transport.isOpen() && !this.#hub.isStalled(this.#session);
  }

  /**
   * Sends a server message with the next `seq` (one more when a skip is pending). Nothing goes
   * out while the session is stalled or half-open.
   */
  #send(type: string, parameters: Record<string, unknown>, clientseq = this.#clientSeq): void {
    if (!this.#canSend()) return;
    this.#serverSeq += 1;
    if (this.#skipNext || this.#ctx.faults.takeSkipSeq(KEY)) {
      // An action was counted when it was applied; the fault field is counted here, once used.
      if (!this.#skipNext) this.#ctx.truth.wsInjected(KEY, 'skip_seq');
      this.#skipNext = false;
      this.#serverSeq += 1;
    }
    const message = { version: '2', id: this.#setup.sessionId, type, seq: this.#serverSeq };
    this.#ws.send(JSON.stringify({ ...message, clientseq, parameters }));
  }

  /** Sends `disconnect`; the client answers with a close transaction. */
  #disconnect(reason: 'error' | 'unauthorized' | 'completed', info: string): void {
    if (this.#disconnecting || this.#state === 'closing' || this.#state === 'closed') return;
    if (!this.#canSend()) return;
    this.#disconnecting = true;
    this.#sender.stop();
    this.#count('disconnects_sent');
    this.#send('disconnect', { reason, info });
  }

  /** A protocol error of the client: counted, answered with `disconnect {reason:"error"}`. */
  #protocolError(info: string): void {
    this.#count('bad_messages');
    this.#ctx.logger?.debug({ endpoint: KEY, info }, 'simulator AudioHook protocol error');
    this.#disconnect('error', info);
  }

  /** Answers after a `latency` draw, through the hub (withheld while stalled). */
  #reply(send: () => void): void {
    this.#hub.answer(this.#session, { delay: this.#ctx.faults.getWs(KEY).latency, send });
  }

  #action(action: ProtocolAction): boolean {
    if (this.#state === 'closed' || !this.#canSend()) return false;
    switch (action) {
      case 'disconnect_error':
        if (this.#disconnecting || this.#state === 'closing') return false;
        this.#disconnect('error', 'simulated server error');
        return true;
      case 'error_429': {
        const retryAfterS = this.#ctx.faults.getWs(KEY).error_429.retry_after_s;
        this.#send('error', {
          code: 429,
          message: 'Too many requests (simulated)',
          retryAfter: isoDuration(retryAfterS * 1000),
        });
        return true;
      }
      case 'skip_seq':
        this.#skipNext = true;
        return true;
      case 'reconnect':
        this.#send('reconnect', { info: 'simulated reconnect request' });
        return true;
      case 'kill_audio':
        return false;
    }
  }

  #onText(data: Buffer): void {
    if (data.length > MAX_TEXT_BYTES) {
      this.#count('oversize_messages');
      this.#disconnect('error', 'message too large');
      return;
    }
    const message = parseMessage(data.toString('utf8'), this.#setup.sessionId);
    if (typeof message === 'string') {
      this.#protocolError(message);
      return;
    }
    if (message.seq !== this.#clientSeq + 1) this.#count('seq_violations');
    this.#clientSeq = message.seq;
    switch (message.type) {
      case 'open':
        this.#onOpen(message);
        return;
      case 'ping':
        this.#onPing(message);
        return;
      case 'close':
        this.#onClose();
        return;
      case 'paused':
      case 'resumed':
      case 'discarded':
        this.#count(message.type);
        return;
      case 'update':
        this.#count('updates');
        this.#reply(() => {
          this.#send('updated', {});
        });
        return;
      case 'error':
        this.#count('client_errors');
        return;
      // Audio Connector client notices (docs/protocols.md §3.11): nothing to answer.
      case 'dtmf':
      case 'playback_started':
      case 'playback_completed':
        return;
      default:
        this.#protocolError(`unexpected message type ${message.type}`);
    }
  }

  #onOpen(message: ClientMessage): void {
    if (this.#state !== 'awaiting_open') {
      this.#protocolError('unexpected open');
      return;
    }
    const { parameters } = message;
    if (parameters.organizationId !== this.#setup.organizationId) {
      this.#count('unauthorized_opens');
      this.#disconnect('unauthorized', 'organizationId does not match the handshake');
      return;
    }
    const offered = Array.isArray(parameters.media) ? (parameters.media as unknown[]) : [];
    const participant = isRecord(parameters.participant) ? parameters.participant : {};
    const probe =
      parameters.conversationId === ZERO_UUID &&
      participant.id === ZERO_UUID &&
      offered.length === 0;
    let selected: MediaItem | undefined;
    if (!probe) {
      selected = selectMedia(offered, this.#setup.preferStereo);
      if (selected === undefined) {
        this.#protocolError(
          offered.length === 0 ? 'no media offered' : 'no offered media is PCMU or L16 at 8000 Hz',
        );
        return;
      }
      this.#layout = {
        encoding: selected.format,
        rate: selected.rate,
        channels: selected.channels.length,
      };
      this.#configureBot(parameters.customConfig);
    }
    this.#state = 'opening';
    this.#reply(() => {
      if (this.#state !== 'opening') return;
      this.#state = 'open';
      this.#count(probe ? 'connection_probes' : 'streams_opened');
      const opened: Record<string, unknown> = {
        media: selected === undefined ? [] : [selected],
        startPaused: false,
      };
      if (parameters.supportedLanguages === true) opened.supportedLanguages = ['en-US'];
      this.#send('opened', opened);
    });
  }

  #configureBot(customConfig: unknown): void {
    if (!this.#setup.connector || !isRecord(customConfig)) return;
    if (customConfig.botMode === 'bursts') this.#botMode = 'bursts';
    const silence = positive(customConfig.silenceMs ?? customConfig.silence_ms);
    const burst = positive(customConfig.burstMs ?? customConfig.burst_ms);
    if (silence !== undefined) this.#turns = new TurnDetector(silence);
    if (burst !== undefined) this.#burstMs = burst;
  }

  #onPing(message: ClientMessage): void {
    const ctx = this.#ctx;
    ctx.truth.wsCount(KEY, 'app_pings');
    this.#hub.answer(this.#session, {
      delay: ctx.faults.getWs(KEY).pong_delay,
      record: 'application',
      sent: 'app_pongs',
      unanswered: 'app_pings_unanswered',
      // pong.clientseq is the ping's seq, even when other messages came in meanwhile.
      send: () => {
        this.#send('pong', {}, message.seq);
      },
    });
  }

  #onClose(): void {
    if (this.#state === 'closing' || this.#state === 'closed') {
      this.#protocolError('close transaction already running');
      return;
    }
    this.#state = 'closing';
    // No audio after close (docs/protocols.md §3.6).
    this.#sender.stop();
    this.#reply(() => {
      this.#state = 'closed';
      this.#count('close_transactions');
      this.#send('closed', {});
    });
  }

  #onAudio(frame: Buffer): void {
    const now = performance.now();
    this.#count('frames_received');
    if (this.#disconnecting || this.#state === 'closing' || this.#state === 'closed') return;
    const layout = this.#layout;
    if (this.#state !== 'open' || layout === undefined) {
      this.#count('early_audio');
      this.#disconnect(
        'error',
        this.#state === 'open' ? 'audio without a selected media' : 'audio before opened',
      );
      return;
    }
    const frameMs = durationMs(frame.length, layout);
    if (!this.#setup.connector) {
      this.#transcribe(frameMs);
      return;
    }
    if (this.#botMode === 'echo') {
      this.#sender.frame({
        kind: 'echo',
        bytes: frame.length,
        receivedAt: now,
        nominalAt: now,
        send: () => {
          this.#ws.send(frame, { binary: true });
        },
      });
      return;
    }
    if (this.#turns.feed(channelZeroDbfs(frame, layout), frameMs)) this.#burst(now, frameMs);
  }

  /** Monitor mode: one transcript `event` per {@link TRANSCRIPT_EVERY_MS} of audio received. */
  #transcribe(frameMs: number): void {
    this.#receivedMs += frameMs;
    while (this.#receivedMs >= this.#nextTranscriptMs) {
      const offset = this.#nextTranscriptMs - TRANSCRIPT_EVERY_MS;
      this.#nextTranscriptMs += TRANSCRIPT_EVERY_MS;
      this.#sendTranscript(offset, TRANSCRIPT_EVERY_MS);
    }
  }

  #sendTranscript(offsetMs: number, lengthMs: number): void {
    if (!this.#canSend()) return;
    this.#count('events_sent');
    this.#send('event', {
      entities: [
        {
          type: 'transcript',
          data: {
            id: randomUUID(),
            channelId: 0,
            isFinal: true,
            offset: isoDuration(offsetMs),
            duration: isoDuration(lengthMs),
            alternatives: [
              {
                confidence: 0.9,
                interpretations: [{ type: 'display', transcript: 'hello' }],
              },
            ],
          },
        },
      ],
    });
  }

  /** A bot turn: a tone of `burstMs`, paced at the caller's frame duration, plus a transcript. */
  #burst(turnAt: number, callerFrameMs: number): void {
    const layout = this.#layout;
    if (layout === undefined) return;
    this.#count('bot_turns');
    this.#sendTranscript(this.#receivedMs, this.#burstMs);
    const frameMs = Math.min(MAX_FRAME_MS, Math.max(MIN_FRAME_MS, callerFrameMs));
    for (let offset = 0; offset < this.#burstMs; offset += frameMs) {
      const samples = Math.round((Math.min(frameMs, this.#burstMs - offset) * layout.rate) / 1000);
      if (samples <= 0) break;
      const frame = toneFrame(layout, samples, this.#toneSample);
      this.#toneSample += samples;
      this.#sender.frame({
        kind: 'burst',
        bytes: frame.length,
        receivedAt: turnAt,
        nominalAt: turnAt + offset,
        send: () => {
          this.#ws.send(frame, { binary: true });
        },
      });
    }
  }
}

/** Parses and checks a client message; a string is the protocol error. */
function parseMessage(text: string, sessionId: string): ClientMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'message is not JSON';
  }
  if (!isRecord(value)) return 'message is not a JSON object';
  const { version, id, type, seq, parameters } = value;
  if (version !== '2') return 'version must be "2"';
  if (id !== sessionId) return 'id must be the session id';
  if (typeof type !== 'string') return 'type must be a string';
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) {
    return 'seq must be a positive integer';
  }
  if (parameters !== undefined && !isRecord(parameters)) return 'parameters must be an object';
  return { type, seq, parameters: parameters ?? {} };
}

function isMediaItem(value: unknown): value is MediaItem {
  if (!isRecord(value)) return false;
  const { type, format, channels, rate } = value;
  return (
    type === 'audio' &&
    (format === 'PCMU' || format === 'L16') &&
    rate === 8000 &&
    Array.isArray(channels) &&
    channels.length >= 1 &&
    channels.length <= 2 &&
    channels.every((channel) => channel === 'external' || channel === 'internal')
  );
}

/**
 * Selects one offered media item: PCMU or L16 at 8000 Hz; a mono `external` offer first unless
 * `preferStereo`, then a stereo offer first; otherwise the first usable offer.
 */
function selectMedia(offered: readonly unknown[], preferStereo: boolean): MediaItem | undefined {
  const usable = offered.filter(isMediaItem);
  const preferred = preferStereo
    ? usable.find((item) => item.channels.length === 2)
    : usable.find((item) => item.channels.length === 1 && item.channels[0] === 'external');
  const chosen = preferred ?? usable[0];
  return chosen === undefined
    ? undefined
    : { type: 'audio', format: chosen.format, channels: [...chosen.channels], rate: chosen.rate };
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 600_000
    ? value
    : undefined;
}
