import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { reorderL16 } from '../../../audio/codec.ts';
import {
  CallerTurns,
  durationMs,
  toneFrame,
  type AudioLayout,
} from '../../core/audio/audio-frames.ts';
import { openAudioSession } from '../../core/audio/audio-session.ts';
import type { FrameSender } from '../../core/audio/frame-sender.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { toBuffer } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import type { ProtocolAction, WsSession } from '../../core/ws/session.ts';
import { parseGatewayEvent, parseMetadata, type ListenRejection } from './messages.ts';
import type { ListenFollowUp, SessionSetup } from './setup.ts';

const KEY = 'listen';

/** At most this many `playAudio` may wait for their `playDone` (docs/protocols.md §5.4). */
export const MAX_QUEUED_PLAYS = 10;
/** Bounds of the pace of `stream` mode bursts, which follow the caller's frame duration. */
const MIN_FRAME_MS = 10;
const MAX_FRAME_MS = 1_000;

/** One `listen` connection: the application side of a jambonz stream. */
export class ListenSession {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #ws: WebSocket;
  readonly #setup: SessionSetup;
  readonly #session: WsSession;
  readonly #sender: FrameSender;
  /** True when an unsolicited message may go out now (a stalled server says nothing). */
  readonly #canSend: () => boolean;
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
    const audio = openAudioSession(ctx, hub, KEY, ws, () => this.#label, {
      protocolAction: (action) => this.#action(action),
    });
    this.#session = audio.session;
    this.#sender = audio.sender;
    this.#canSend = audio.canSend;
    this.#label = `listen-${this.#session.id}`;
    ws.on('message', (data, isBinary) => {
      if (this.#rejected) return;
      const buffer = toBuffer(data);
      if (this.#layout === undefined) this.#onFirst(buffer, isBinary);
      else if (isBinary) this.#onAudio(buffer);
      else this.#onEvent(buffer.toString('utf8'));
    });
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
