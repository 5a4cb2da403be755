import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import {
  TurnDetector,
  channelZeroDbfs,
  durationMs,
  toneFrame,
  type AudioLayout,
} from './audio-codec.ts';
import { FrameSender } from './audio-sender.ts';
import { DEFAULT_BURST_MS, DEFAULT_SILENCE_MS } from './audiohook.ts';
import type { SimulatorContext } from './context.ts';
import { isRecord } from './reply.ts';
import { createWsServer, openWsSession, toBuffer } from './ws-connection.ts';
import type { WsHub } from './ws-hub.ts';
import type { ProtocolAction, WsSession } from './ws-session.ts';
import { refuseUpgrade, type UpgradeRoute } from './ws-upgrade.ts';

const KEY = 'listen';

/** Path of the jambonz `listen` WebSocket endpoint. */
export const LISTEN_PATH = '/listen';
/** The subprotocol jambonz offers and the server must accept (docs/protocols.md §5.4). */
export const LISTEN_SUBPROTOCOL = 'audio.jambonz.org';
/** Sample rates the metadata may name (docs/protocols.md §5.4). */
export const LISTEN_SAMPLE_RATES: readonly number[] = [8000, 16000, 24000, 32000, 48000, 64000];
/** Modes of `?mode=`: echo frames, stream a burst after silence, or answer with `playAudio`. */
export const LISTEN_MODES = ['echo', 'stream', 'play'] as const;
/** At most this many `playAudio` may wait for their `playDone` (docs/protocols.md §5.4). */
export const MAX_QUEUED_PLAYS = 10;
const MIN_FRAME_MS = 10;
const MAX_FRAME_MS = 1_000;

type ListenMode = (typeof LISTEN_MODES)[number];

/** Options of {@link ListenServer}. */
export interface ListenOptions {
  /** `wsAuth` credentials; when set, upgrades need `Authorization: Basic` with them. */
  basicAuth?: { username: string; password: string };
}

/** A client mark waiting for the audio queued before it. */
interface PendingMark {
  name: string;
  /** Takes the mark out of the send queue. */
  cancel: () => void;
}

interface SessionSetup {
  mode: ListenMode;
  silenceMs: number;
  burstMs: number;
}

/**
 * The jambonz / Cognigy Voice Gateway `listen` server (`listen`, docs/protocols.md §5.4): accepts
 * the `audio.jambonz.org` subprotocol, takes the metadata text frame, then L16 frames, and
 * answers by mode: `echo` (bidirectional streaming of every frame), `stream` (an L16 burst
 * after caller silence) or `play` (`playAudio` after caller silence, then `playDone` expected).
 */
export class ListenServer {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #options: ListenOptions;
  readonly #wss = createWsServer({
    handleProtocols: (protocols) =>
      protocols.has(LISTEN_SUBPROTOCOL) ? LISTEN_SUBPROTOCOL : false,
  });

  constructor(ctx: SimulatorContext, hub: WsHub, options: ListenOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#options = options;
  }

  /** Upgrade route of {@link LISTEN_PATH}. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => url.pathname === LISTEN_PATH,
      accept: (req, socket, head, url) => {
        const refuse = (status: number, error: string): void => {
          this.#ctx.truth.wsRefused(KEY, status);
          refuseUpgrade(socket, status, { error });
        };
        if (!this.#authorised(req)) {
          refuse(401, 'Basic credentials required');
          return;
        }
        const offered = (req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim());
        if (!offered.includes(LISTEN_SUBPROTOCOL)) {
          refuse(400, `subprotocol ${LISTEN_SUBPROTOCOL} required`);
          return;
        }
        const setup = parseSetup(url);
        if (typeof setup === 'string') {
          refuse(400, setup);
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.#hub.closed) ws.terminate();
          else new ListenSession(this.#ctx, this.#hub, ws, setup);
        });
      },
    };
  }

  /** Closes the socket server. */
  dispose(): void {
    this.#wss.close();
  }

  #authorised(req: IncomingMessage): boolean {
    const credentials = this.#options.basicAuth;
    if (credentials === undefined) return true;
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) return false;
    const given = Buffer.from(match[1], 'base64');
    const wanted = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8');
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}

function parseSetup(url: URL): SessionSetup | string {
  const mode = url.searchParams.get('mode') ?? 'echo';
  if (!(LISTEN_MODES as readonly string[]).includes(mode)) {
    return `mode must be one of ${LISTEN_MODES.join(', ')}`;
  }
  const number = (name: string, fallback: number): number | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    return Number.isInteger(value) && value > 0 && value <= 600_000 ? value : undefined;
  };
  const silenceMs = number('silence_ms', DEFAULT_SILENCE_MS);
  const burstMs = number('burst_ms', DEFAULT_BURST_MS);
  if (silenceMs === undefined || burstMs === undefined) {
    return 'silence_ms and burst_ms must be positive integers (ms)';
  }
  return { mode: mode as ListenMode, silenceMs, burstMs };
}

/** One `listen` connection. */
class ListenSession {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #ws: WebSocket;
  readonly #setup: SessionSetup;
  readonly #session: WsSession;
  readonly #sender: FrameSender;
  readonly #turns: TurnDetector;
  /** Caller audio layout, known once the metadata arrived. */
  #layout: AudioLayout | undefined;
  #label: string;
  #outstandingPlays = 0;
  readonly #marks = new Set<PendingMark>();
  #toneSample = 0;

  constructor(ctx: SimulatorContext, hub: WsHub, ws: WebSocket, setup: SessionSetup) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#ws = ws;
    this.#setup = setup;
    this.#turns = new TurnDetector(setup.silenceMs);
    this.#session = openWsSession(ctx, hub, KEY, ws, {
      protocolAction: (action) => this.#action(action),
      dispose: () => {
        this.#marks.clear();
        this.#sender.stop();
      },
    });
    this.#label = `listen-${this.#session.id}`;
    this.#sender = new FrameSender(ctx, hub, this.#session, KEY, () => this.#label);
    ws.on('message', (data, isBinary) => {
      const buffer = toBuffer(data);
      if (this.#layout === undefined) this.#onFirst(buffer, isBinary);
      else if (isBinary) this.#onAudio(buffer);
      else this.#onCommand(buffer.toString('utf8'));
    });
  }

  #canSend(): boolean {
    return this.#session.transport.isOpen() && !this.#hub.isStalled(this.#session);
  }

  /** Sends a JSON message unless the session is stalled (a stalled server says nothing). */
  #sendJson(message: unknown): void {
    if (this.#canSend()) this.#ws.send(JSON.stringify(message));
  }

  #action(action: ProtocolAction): boolean {
    if (this.#layout === undefined || !this.#canSend()) return false;
    switch (action) {
      case 'disconnect_error':
        this.#sendJson({ type: 'disconnect' });
        return true;
      case 'kill_audio':
        this.#ctx.truth.wsCount(KEY, 'kill_audio_sent');
        this.#sender.cancel();
        this.#outstandingPlays = 0;
        this.#sendJson({ type: 'killAudio' });
        return true;
      default:
        return false;
    }
  }

  /** The metadata text frame; anything else first ends the session. */
  #onFirst(data: Buffer, isBinary: boolean): void {
    const truth = this.#ctx.truth;
    if (isBinary) {
      truth.wsCount(KEY, 'frames_received');
      truth.wsCount(KEY, 'early_audio');
      this.#hub.serverClose(this.#session, 1003, 'metadata text frame expected first');
      return;
    }
    const metadata = parseObject(data.toString('utf8'));
    const rate = Number(metadata?.sampleRate ?? 8000);
    const mixType = metadata?.mixType ?? 'mono';
    if (
      metadata === undefined ||
      !LISTEN_SAMPLE_RATES.includes(rate) ||
      (mixType !== 'mono' && mixType !== 'stereo' && mixType !== 'mixed')
    ) {
      truth.wsCount(KEY, 'bad_messages');
      this.#hub.serverClose(this.#session, 1008, 'invalid metadata');
      return;
    }
    if (typeof metadata.callSid === 'string' && metadata.callSid !== '') {
      this.#label = metadata.callSid;
    }
    this.#layout = { encoding: 'L16', rate, channels: mixType === 'stereo' ? 2 : 1 };
    truth.wsCount(KEY, 'streams_opened');
  }

  #onAudio(frame: Buffer): void {
    const now = performance.now();
    const layout = this.#layout;
    if (layout === undefined) return;
    this.#ctx.truth.wsCount(KEY, 'frames_received');
    if (this.#setup.mode === 'echo') {
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
    const frameMs = durationMs(frame.length, layout);
    if (!this.#turns.feed(channelZeroDbfs(frame, layout), frameMs)) return;
    if (this.#setup.mode === 'stream') this.#stream(now, frameMs, layout.rate);
    else this.#play(now, layout.rate);
  }

  /** `stream` mode: a mono L16 tone of `burstMs`, paced at the caller's frame duration. */
  #stream(turnAt: number, callerFrameMs: number, rate: number): void {
    this.#ctx.truth.wsCount(KEY, 'bot_turns');
    const { burstMs } = this.#setup;
    const frameMs = Math.min(MAX_FRAME_MS, Math.max(MIN_FRAME_MS, callerFrameMs));
    const layout: AudioLayout = { encoding: 'L16', rate, channels: 1 };
    for (let offset = 0; offset < burstMs; offset += frameMs) {
      const samples = Math.round((Math.min(frameMs, burstMs - offset) * rate) / 1000);
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

  /** `play` mode: the whole answer in one `playAudio` (raw L16, base64). */
  #play(turnAt: number, rate: number): void {
    const truth = this.#ctx.truth;
    if (this.#outstandingPlays >= MAX_QUEUED_PLAYS) {
      truth.wsCount(KEY, 'play_audio_skipped');
      return;
    }
    truth.wsCount(KEY, 'bot_turns');
    const layout: AudioLayout = { encoding: 'L16', rate, channels: 1 };
    const samples = Math.round((this.#setup.burstMs * rate) / 1000);
    const audio = toneFrame(layout, samples, 0);
    this.#outstandingPlays += 1;
    this.#sender.frame({
      kind: 'play',
      bytes: audio.length,
      receivedAt: turnAt,
      nominalAt: turnAt,
      // A playAudio the client never gets will not be answered with playDone.
      lost: () => {
        this.#outstandingPlays = Math.max(0, this.#outstandingPlays - 1);
      },
      send: () => {
        truth.wsCount(KEY, 'play_audio_sent');
        this.#sendJson({
          type: 'playAudio',
          data: {
            audioContent: audio.toString('base64'),
            audioContentType: 'raw',
            sampleRate: String(rate),
          },
        });
      },
    });
  }

  /** Commands from the client after the metadata. */
  #onCommand(text: string): void {
    const truth = this.#ctx.truth;
    const command = parseObject(text);
    const data = isRecord(command?.data) ? command.data : {};
    switch (command?.type) {
      case 'playDone':
        truth.wsCount(KEY, 'play_done_received');
        this.#outstandingPlays = Math.max(0, this.#outstandingPlays - 1);
        return;
      case 'mark':
        if (typeof data.name !== 'string') break;
        // A mark with an event is the client's own playout report: nothing to answer.
        if (data.event === undefined) this.#mark(data.name);
        return;
      case 'clearMarks':
        for (const mark of [...this.#marks]) {
          mark.cancel();
          this.#markCleared(mark);
        }
        return;
      case 'killAudio':
        truth.wsCount(KEY, 'kill_audio_received');
        this.#outstandingPlays = 0;
        // Queued frames and marks are abandoned; the marks report `cleared`.
        this.#sender.cancel();
        return;
      case 'disconnect':
        truth.wsCount(KEY, 'client_disconnects');
        this.#hub.serverClose(this.#session, 1000, 'disconnect');
        return;
      default:
        // DTMF events (`{"event":"dtmf",…}`) need no answer.
        if (command?.event === 'dtmf') return;
    }
    truth.wsCount(KEY, 'bad_messages');
  }

  /** Answers a client mark with `playout` once the audio queued before it went out. */
  #mark(name: string): void {
    const mark: PendingMark = { name, cancel: () => undefined };
    this.#marks.add(mark);
    mark.cancel = this.#sender.after(
      () => {
        this.#marks.delete(mark);
        this.#ctx.truth.wsCount(KEY, 'marks_played');
        this.#sendJson({ type: 'mark', data: { name, event: 'playout' } });
      },
      () => {
        this.#markCleared(mark);
      },
    );
  }

  #markCleared(mark: PendingMark): void {
    if (!this.#marks.delete(mark)) return;
    if (!this.#canSend()) return;
    this.#ctx.truth.wsCount(KEY, 'marks_cleared');
    this.#sendJson({ type: 'mark', data: { name: mark.name, event: 'cleared' } });
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
