import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { reorderL16, type ByteOrder } from '../../../audio/codec.ts';
import {
  CallerTurns,
  DEFAULT_BURST_MS,
  DEFAULT_SILENCE_MS,
  durationMs,
  toneFrame,
  type AudioLayout,
} from '../../core/audio/audio-frames.ts';
import { FrameSender } from '../../core/audio/frame-sender.ts';
import type { SimulatorContext } from '../../core/context.ts';
import {
  LISTEN_SAMPLE_RATES,
  parseGatewayEvent,
  parseMetadata,
  type ListenRejection,
} from './messages.ts';
import { createWsServer, openWsSession, toBuffer } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import type { ProtocolAction, WsSession } from '../../core/ws/session.ts';
import { refuseUpgrade, type UpgradeRoute } from '../../core/ws/upgrade.ts';

const KEY = 'listen';

/** Path of the jambonz `listen` WebSocket endpoint. */
export const LISTEN_PATH = '/listen';
/** The subprotocol jambonz deployments offer, accepted by default (docs/protocols.md §5.4). */
export const LISTEN_SUBPROTOCOL = 'audio.jambonz.org';
/** mod_audio_fork's own default subprotocol, the only one `@jambonz/sdk` servers accept. */
export const DRACHTIO_SUBPROTOCOL = 'audio.drachtio.org';
export { LISTEN_SAMPLE_RATES };
/** Modes of `?mode=`: echo frames, stream a burst after silence, or answer with `playAudio`. */
export const LISTEN_MODES = ['echo', 'stream', 'play'] as const;
/** `?then=`: a command sent right after each bot turn, so its pending mark or clip is cut. */
export const LISTEN_FOLLOW_UPS = ['clearMarks', 'killAudio'] as const;
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

type ListenFollowUp = (typeof LISTEN_FOLLOW_UPS)[number];

interface SessionSetup {
  mode: ListenMode;
  silenceMs: number;
  burstMs: number;
  subprotocol: string;
  byteOrder: ByteOrder;
  then: ListenFollowUp | undefined;
}

/**
 * A customer's `listen` application server, the peer of a jambonz / Cognigy Voice Gateway
 * (docs/protocols.md §5.4): accepts one subprotocol (`?subprotocol=`, default
 * `audio.jambonz.org`), takes the metadata text frame, then L16 frames, and answers by mode:
 * `echo` (every frame streamed back), `stream` (an L16 burst after caller silence, then a
 * `mark`) or `play` (`playAudio` with an `id` after caller silence). Commands flow to the
 * gateway; from it only the events jambonz sends are accepted, and a gateway that breaks the
 * protocol is rejected and counted (`listen_rejections`).
 */
export class ListenServer {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #options: ListenOptions;
  readonly #wss = createWsServer({
    // The offer was checked against the session's subprotocol before the upgrade.
    handleProtocols: (protocols) =>
      [...protocols].find((p) => p === LISTEN_SUBPROTOCOL || p === DRACHTIO_SUBPROTOCOL) ?? false,
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
        const setup = parseSetup(url);
        if (typeof setup === 'string') {
          refuse(400, setup);
          return;
        }
        const offered = (req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim());
        if (!offered.includes(setup.subprotocol)) {
          this.#ctx.truth.listenRejected('subprotocol');
          refuse(400, `subprotocol ${setup.subprotocol} required`);
          return;
        }
        // Only the one subprotocol is selected, even when the gateway offers both.
        req.headers['sec-websocket-protocol'] = setup.subprotocol;
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
  const subprotocol = url.searchParams.get('subprotocol') ?? LISTEN_SUBPROTOCOL;
  if (subprotocol !== LISTEN_SUBPROTOCOL && subprotocol !== DRACHTIO_SUBPROTOCOL) {
    return `subprotocol must be ${LISTEN_SUBPROTOCOL} or ${DRACHTIO_SUBPROTOCOL}`;
  }
  const order = url.searchParams.get('byte_order') ?? 'little';
  if (order !== 'little' && order !== 'big') return 'byte_order must be little or big';
  const then = url.searchParams.get('then') ?? undefined;
  if (then !== undefined && !(LISTEN_FOLLOW_UPS as readonly string[]).includes(then)) {
    return `then must be one of ${LISTEN_FOLLOW_UPS.join(', ')}`;
  }
  return {
    mode: mode as ListenMode,
    silenceMs,
    burstMs,
    subprotocol,
    byteOrder: order === 'big' ? 'be' : 'le',
    then: then as ListenFollowUp | undefined,
  };
}

/** One `listen` connection: the application side of a jambonz stream. */
class ListenSession {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #ws: WebSocket;
  readonly #setup: SessionSetup;
  readonly #session: WsSession;
  readonly #sender: FrameSender;
  /** Bot turns, once the metadata gave the caller's layout. */
  #turns: CallerTurns | undefined;
  /** Caller audio layout, known once the metadata arrived. */
  #layout: AudioLayout | undefined;
  #label: string;
  #turn = 0;
  #toneSample = 0;
  /** `playAudio` ids sent and not yet answered by `playDone`. */
  readonly #plays = new Set<string>();
  /** Mark names sent (or queued to be sent) and not yet answered playout / cleared. */
  readonly #marks = new Set<string>();
  #rejected = false;

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
    this.#label = `listen-${this.#session.id}`;
    this.#sender = new FrameSender(
      ctx,
      hub,
      this.#session,
      KEY,
      () => this.#label,
      (data) => {
        ws.send(data, { binary: true });
      },
    );
    ws.on('message', (data, isBinary) => {
      if (this.#rejected) return;
      const buffer = toBuffer(data);
      if (this.#layout === undefined) this.#onFirst(buffer, isBinary);
      else if (isBinary) this.#onAudio(buffer);
      else this.#onEvent(buffer.toString('utf8'));
    });
  }

  #canSend(): boolean {
    return this.#session.transport.isOpen() && !this.#hub.isStalled(this.#session);
  }

  /** Sends a JSON message unless the session is stalled (a stalled server says nothing). */
  #sendJson(message: unknown): void {
    if (this.#canSend()) this.#ws.send(JSON.stringify(message));
  }

  /** Ends the session of a gateway that broke the protocol, counting why. */
  #reject(reason: ListenRejection, code: 1003 | 1008): void {
    this.#rejected = true;
    this.#ctx.truth.listenRejected(reason);
    this.#ctx.truth.wsCount(KEY, 'bad_messages');
    this.#hub.serverClose(this.#session, code, reason);
  }

  #action(action: ProtocolAction): boolean {
    if (this.#layout === undefined || !this.#canSend()) return false;
    switch (action) {
      case 'disconnect_error':
        this.#sendJson({ type: 'disconnect' });
        return true;
      case 'kill_audio':
        this.#killAudio();
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
      this.#reject('binary_before_metadata', 1003);
      return;
    }
    const metadata = parseMetadata(data.toString('utf8'));
    if (typeof metadata === 'string') {
      this.#reject(metadata, 1008);
      return;
    }
    this.#label = metadata.callSid;
    this.#layout = {
      encoding: 'L16',
      rate: metadata.sampleRate,
      channels: metadata.mixType === 'stereo' ? 2 : 1,
    };
    this.#turns = new CallerTurns(this.#layout, this.#setup.silenceMs);
    truth.wsCount(KEY, 'streams_opened');
  }

  #onAudio(wire: Buffer): void {
    const now = performance.now();
    const layout = this.#layout;
    if (layout === undefined) return;
    this.#ctx.truth.wsCount(KEY, 'frames_received');
    if (wire.length === 0 || wire.length % (2 * layout.channels) !== 0) {
      this.#reject('bad_audio_frame', 1008);
      return;
    }
    if (this.#setup.mode === 'echo') {
      this.#sender.audio('echo', wire, now);
      return;
    }
    const frame = reorderL16(wire, this.#setup.byteOrder, 'le');
    const frameMs = durationMs(frame.length, layout);
    if (this.#turns?.feed(frame) !== true) return;
    this.#turn += 1;
    if (this.#setup.mode === 'stream') this.#stream(now, frameMs, layout.rate);
    else this.#play(now, layout.rate);
  }

  /**
   * `stream` mode: a mono L16 tone of `burstMs`, paced at the caller's frame duration, then a
   * `mark` the gateway answers once that audio has played. With `?then=` the whole burst goes
   * at once (the gateway buffers it), followed by the mark and the follow-up command.
   */
  #stream(turnAt: number, callerFrameMs: number, rate: number): void {
    this.#ctx.truth.wsCount(KEY, 'bot_turns');
    const { burstMs, then } = this.#setup;
    const frameMs = Math.min(MAX_FRAME_MS, Math.max(MIN_FRAME_MS, callerFrameMs));
    const layout: AudioLayout = { encoding: 'L16', rate, channels: 1 };
    for (let offset = 0; offset < burstMs; offset += frameMs) {
      const samples = Math.round((Math.min(frameMs, burstMs - offset) * rate) / 1000);
      if (samples <= 0) break;
      const frame = reorderL16(
        toneFrame(layout, samples, this.#toneSample),
        'le',
        this.#setup.byteOrder,
      );
      this.#toneSample += samples;
      this.#sender.audio('burst', frame, turnAt, then === undefined ? turnAt + offset : turnAt);
    }
    const name = `turn-${this.#turn}`;
    this.#marks.add(name);
    this.#sender.after(
      () => {
        this.#ctx.truth.wsCount(KEY, 'marks_sent');
        this.#sendJson({ type: 'mark', data: { name } });
        if (then !== undefined) this.#followUp(then);
      },
      () => {
        this.#marks.delete(name);
      },
    );
  }

  /** `play` mode: the whole answer in one `playAudio` (raw L16, numeric rate, an id). */
  #play(turnAt: number, rate: number): void {
    const truth = this.#ctx.truth;
    if (this.#plays.size >= MAX_QUEUED_PLAYS) {
      truth.wsCount(KEY, 'play_audio_skipped');
      return;
    }
    truth.wsCount(KEY, 'bot_turns');
    const layout: AudioLayout = { encoding: 'L16', rate, channels: 1 };
    const samples = Math.round((this.#setup.burstMs * rate) / 1000);
    const audio = reorderL16(toneFrame(layout, samples, 0), 'le', this.#setup.byteOrder);
    const id = `play-${this.#turn}`;
    this.#plays.add(id);
    this.#sender.frame({
      kind: 'play',
      bytes: audio.length,
      receivedAt: turnAt,
      nominalAt: turnAt,
      // A playAudio the gateway never gets will not be answered with playDone.
      lost: () => {
        this.#plays.delete(id);
      },
      send: () => {
        truth.wsCount(KEY, 'play_audio_sent');
        this.#sendJson({
          type: 'playAudio',
          data: {
            audioContent: audio.toString('base64'),
            audioContentType: 'raw',
            sampleRate: rate,
            id,
          },
        });
        if (this.#setup.then === 'killAudio') this.#followUp('killAudio');
      },
    });
  }

  #followUp(command: ListenFollowUp): void {
    if (command === 'killAudio') {
      this.#killAudio();
      return;
    }
    this.#ctx.truth.wsCount(KEY, 'clear_marks_sent');
    this.#sendJson({ type: 'clearMarks' });
  }

  /** `killAudio`: our queued audio is abandoned; the gateway stops what it plays. */
  #killAudio(): void {
    this.#ctx.truth.wsCount(KEY, 'kill_audio_sent');
    this.#sender.cancel();
    this.#sendJson({ type: 'killAudio' });
  }

  /** Events from the gateway after the metadata: only what jambonz sends is accepted. */
  #onEvent(text: string): void {
    const truth = this.#ctx.truth;
    const event = parseGatewayEvent(text);
    if (typeof event === 'string') {
      this.#reject(event, 1008);
      return;
    }
    switch (event.type) {
      case 'dtmf':
        return;
      case 'playDone':
        if (this.#plays.size === 0) {
          this.#reject('unexpected_play_done', 1008);
          return;
        }
        if (typeof event.id !== 'string' || !this.#plays.delete(event.id)) {
          this.#reject('play_done_id', 1008);
          return;
        }
        truth.wsCount(KEY, 'play_done_received');
        return;
      case 'mark':
        if (!this.#marks.delete(event.name)) {
          this.#reject('unknown_mark', 1008);
          return;
        }
        truth.wsCount(KEY, event.event === 'playout' ? 'marks_played' : 'marks_cleared');
        return;
    }
  }
}
