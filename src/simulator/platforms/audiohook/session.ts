import type { WebSocket } from 'ws';
import { performance } from 'node:perf_hooks';
import {
  bytesPerSampleFrame,
  isoDuration,
  type AudioLayout,
} from '../../core/audio/audio-frames.ts';
import { openAudioSession } from '../../core/audio/audio-session.ts';
import type { FrameSender } from '../../core/audio/frame-sender.ts';
import type { SimulatorContext } from '../../core/context.ts';
import type { CancelDelay } from '../../core/delay-scheduler.ts';
import { isRecord } from '../../core/http/reply.ts';
import type { WsCounter } from '../../core/truth/truth-shape.ts';
import { toBuffer } from '../../core/ws/connection.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import type { ProtocolAction, WsSession } from '../../core/ws/session.ts';
import { readBehaviour, type Behaviour } from './behaviour.ts';
import { AudiohookBot } from './bot.ts';
import { durationParameter, selectMedia } from './media.ts';
import {
  checkType,
  isEnvelope,
  parseEnvelope,
  type MediaItem,
  type Rejection,
} from './messages.ts';

const KEY = 'audiohook';
/** Genesys probes an endpoint with this conversation and participant id. */
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** What the handshake established. */
export interface SessionSetup {
  sessionId: string;
  organizationId: string;
  /** Audio Connector route: audio goes back. */
  connector: boolean;
  preferStereo: boolean;
}

type State = 'awaiting_open' | 'opening' | 'open' | 'closing' | 'closed';

/**
 * Whether the client may stream: `held` from an `opened.startPaused` until the client's
 * `resumed`; `requested` between a server `pause` and the client's `paused` (frames already in
 * flight are fine); `paused` from the client's `paused`; `resuming` between our `resume` and the
 * client's `resumed`.
 */
type PauseState = 'streaming' | 'held' | 'requested' | 'paused' | 'resuming';

/** Until the behaviour says otherwise, a pause the simulator asked for lasts this long. */
const DEFAULT_RESUME_AFTER_MS = 1_000;
/** One AudioHook connection: the server side of the protocol's state machine. */
export class AudiohookSession {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #ws: WebSocket;
  readonly #setup: SessionSetup;
  readonly #session: WsSession;
  readonly #sender: FrameSender;
  /** True when an unsolicited message may go out now. */
  readonly #canSend: () => boolean;
  readonly #timers: CancelDelay[] = [];
  #state: State = 'awaiting_open';
  #pause: PauseState = 'streaming';
  #behaviour: Behaviour = {};
  /** Set once a `disconnect` was sent: the client is to run the close transaction. */
  #disconnecting = false;
  #serverSeq = 0;
  #clientSeq = 0;
  #skipNext = false;
  #layout: AudioLayout | undefined;
  readonly #bot: AudiohookBot;

  constructor(ctx: SimulatorContext, hub: WsHub, ws: WebSocket, setup: SessionSetup) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#ws = ws;
    this.#setup = setup;
    const audio = openAudioSession(ctx, hub, KEY, ws, () => setup.sessionId, {
      protocolAction: (action) => this.#action(action),
      dispose: () => {
        for (const cancel of this.#timers.splice(0)) cancel();
      },
    });
    this.#session = audio.session;
    this.#sender = audio.sender;
    this.#canSend = audio.canSend;
    this.#bot = new AudiohookBot(
      {
        sender: this.#sender,
        canSend: this.#canSend,
        send: (type, parameters) => {
          this.#send(type, parameters);
        },
        count: (counter) => {
          this.#count(counter);
        },
      },
      setup.connector,
    );
    ws.on('message', (data, isBinary) => {
      const buffer = toBuffer(data);
      if (isBinary) this.#onAudio(buffer);
      else this.#onText(buffer);
    });
  }

  #count(counter: WsCounter): void {
    this.#ctx.truth.wsCount(KEY, counter);
  }

  /** Runs `callback` after `ms` unless the session ended first. */
  #after(ms: number, callback: () => void): void {
    this.#timers.push(
      this.#ctx.scheduler.schedule(ms, () => {
        if (!this.#session.ended) callback();
      }),
    );
  }

  /** True when an unsolicited message may go out now. */

  /** True while the session takes audio, pause and resume (docs/protocols.md §3.6). */
  #active(): boolean {
    return this.#state === 'open' && !this.#disconnecting;
  }

  /**
   * Sends a server message with the next `seq` (one more when a skip is pending). Nothing goes
   * out while the session is stalled or half-open. Never `error`: that is a client message.
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

  /**
   * A client message or frame the reference server rejects: counted by reason, answered with
   * `disconnect {reason:"error"}` (only counted once the client is closing: it is leaving).
   */
  #reject(rejection: Rejection, info: string, text = true): void {
    this.#ctx.truth.audiohookRejection(rejection);
    if (text) this.#count('bad_messages');
    this.#ctx.logger?.debug({ endpoint: KEY, rejection, info }, 'simulator AudioHook rejection');
    this.#disconnect('error', `Client Error: ${info}`);
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
      case 'disconnect_completed':
        if (this.#disconnecting || this.#state === 'closing') return false;
        this.#disconnect('completed', 'simulated end of the session');
        return true;
      case 'skip_seq':
        this.#skipNext = true;
        return true;
      case 'reconnect':
        this.#send('reconnect', { info: 'simulated reconnect request' });
        this.#count('reconnects_sent');
        return true;
      case 'error_429':
        // `error` flows from Genesys to the server only (docs/protocols.md §3.5): a server that
        // sent one would break the protocol, so the simulator never does.
        return false;
      case 'kill_audio':
        return false;
    }
  }

  #onText(data: Buffer): void {
    const message = parseEnvelope(data.toString('utf8'));
    if (!isEnvelope(message)) {
      if (message.rejection === 'message_too_large') this.#count('oversize_messages');
      this.#reject(message.rejection, message.info);
      return;
    }
    if (message.seq !== this.#clientSeq + 1) {
      this.#count('seq_violations');
      this.#reject('seq', 'Invalid seq value (not monotonically increasing)');
      return;
    }
    this.#clientSeq = message.seq;
    if (message.serverseq > this.#serverSeq) {
      this.#reject('serverseq', 'Invalid serverseq value');
      return;
    }
    if (message.id !== this.#setup.sessionId) {
      this.#reject('session_id', 'Session identifier mismatch');
      return;
    }
    const wrong = checkType(message, this.#setup.connector);
    if (wrong !== undefined) {
      this.#reject(wrong.rejection, wrong.info);
      return;
    }
    const { parameters } = message;
    switch (message.type) {
      case 'open':
        this.#onOpen(parameters);
        return;
      case 'ping':
        this.#onPing(message.seq);
        return;
      case 'close':
        this.#onClose();
        return;
      case 'paused':
        this.#onPaused();
        return;
      case 'resumed':
        this.#onResumed(parameters);
        return;
      case 'discarded':
        this.#count('discarded');
        this.#ctx.truth.audiohookDiscarded('discarded_ms', durationParameter(parameters.discarded));
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
      default:
        // Audio Connector client notices (docs/protocols.md §3.11): nothing to answer.
        return;
    }
  }

  #onOpen(parameters: Record<string, unknown>): void {
    if (this.#state !== 'awaiting_open') {
      this.#reject('unexpected_open', 'unexpected open');
      return;
    }
    if (parameters.organizationId !== this.#setup.organizationId) {
      this.#count('unauthorized_opens');
      this.#disconnect('unauthorized', 'organizationId does not match the handshake');
      return;
    }
    const offered = Array.isArray(parameters.media) ? (parameters.media as MediaItem[]) : [];
    const participant = isRecord(parameters.participant) ? parameters.participant : {};
    // Genesys probes an endpoint with null ids; it offers its normal media list.
    const probe = parameters.conversationId === ZERO_UUID && participant.id === ZERO_UUID;
    // The Audio Connector sample takes PCMU only and refuses an open without it; the AudioHook
    // reference server answers an empty selection, `opened {media: []}` (docs/protocols.md §3.5).
    const usable = this.#setup.connector
      ? offered.filter((item) => item.format === 'PCMU')
      : offered;
    const selected = selectMedia(usable, this.#setup.preferStereo);
    if (selected === undefined && this.#setup.connector) {
      this.#reject('no_media', 'No supported media type was found.');
      return;
    }
    const behaviour = readBehaviour(parameters.customConfig);
    this.#behaviour = behaviour;
    if (selected !== undefined) {
      this.#layout = {
        encoding: selected.format,
        rate: selected.rate,
        channels: selected.channels.length,
      };
    }
    this.#bot.configure(behaviour, this.#layout);
    this.#state = 'opening';
    if (behaviour.openFault === 'silent') {
      this.#count('opens_unanswered');
      return;
    }
    this.#reply(() => {
      if (this.#state !== 'opening' || this.#disconnecting) return;
      if (behaviour.openFault !== undefined) {
        // A server that refuses during the open transaction (docs/protocols.md §3.3).
        this.#disconnect(
          behaviour.openFault === 'disconnect_unauthorized' ? 'unauthorized' : 'error',
          'simulated refusal during open',
        );
        return;
      }
      this.#state = 'open';
      this.#count(probe ? 'connection_probes' : 'streams_opened');
      const opened: Record<string, unknown> = {
        media: selected === undefined ? [] : [selected],
        startPaused: behaviour.startPaused === true,
      };
      if (behaviour.discardToMs !== undefined)
        opened.discardTo = isoDuration(behaviour.discardToMs);
      if (parameters.supportedLanguages === true) opened.supportedLanguages = ['en-US'];
      if (behaviour.startPaused === true) this.#pause = 'held';
      this.#send('opened', opened);
      this.#scheduleBehaviour(behaviour);
    });
  }

  /** Server-side `pause` and `reconnect` at their times after `opened`. */
  #scheduleBehaviour(behaviour: Behaviour): void {
    if (behaviour.pauseAfterMs !== undefined) {
      this.#after(behaviour.pauseAfterMs, () => {
        if (!this.#active() || this.#pause !== 'streaming' || !this.#canSend()) return;
        this.#pause = 'requested';
        this.#count('pauses_sent');
        this.#send('pause', {});
      });
    }
    if (behaviour.reconnectAfterMs !== undefined) {
      this.#after(behaviour.reconnectAfterMs, () => {
        if (!this.#active() || !this.#canSend()) return;
        this.#count('reconnects_sent');
        this.#send('reconnect', { info: 'simulated reconnect request' });
      });
    }
  }

  #onPing(seq: number): void {
    const ctx = this.#ctx;
    ctx.truth.wsCount(KEY, 'app_pings');
    this.#hub.answer(this.#session, {
      delay: ctx.faults.getWs(KEY).pong_delay,
      record: 'application',
      sent: 'app_pongs',
      unanswered: 'app_pings_unanswered',
      // pong.clientseq is the ping's seq, even when other messages came in meanwhile.
      send: () => {
        this.#send('pong', {}, seq);
      },
    });
  }

  /** The client stopped streaming: on our request, after `startPaused`, or on its own. */
  #onPaused(): void {
    this.#count('paused');
    if (!this.#active()) return;
    const asked = this.#pause === 'requested' || this.#pause === 'held';
    this.#pause = 'paused';
    if (!asked) return;
    this.#after(this.#behaviour.resumeAfterMs ?? DEFAULT_RESUME_AFTER_MS, () => {
      if (!this.#active() || this.#pause !== 'paused' || !this.#canSend()) return;
      this.#pause = 'resuming';
      this.#count('resumes_sent');
      this.#send('resume', {});
    });
  }

  #onResumed(parameters: Record<string, unknown>): void {
    this.#count('resumed');
    this.#ctx.truth.audiohookDiscarded(
      'resumed_discarded_ms',
      durationParameter(parameters.discarded),
    );
    if (this.#pause === 'paused' || this.#pause === 'resuming') this.#pause = 'streaming';
  }

  #onClose(): void {
    if (this.#state === 'closing' || this.#state === 'closed') {
      this.#reject('close_repeated', 'close transaction already running');
      return;
    }
    this.#state = 'closing';
    // No audio after close (docs/protocols.md §3.6).
    this.#sender.stop();
    if (this.#behaviour.closeFault === 'silent') {
      this.#count('closes_unanswered');
      return;
    }
    this.#reply(() => {
      this.#state = 'closed';
      this.#count('close_transactions');
      this.#send('closed', {});
    });
  }

  #onAudio(frame: Buffer): void {
    const now = performance.now();
    this.#count('frames_received');
    if (this.#disconnecting) return;
    if (this.#state === 'closing' || this.#state === 'closed') {
      this.#reject('audio_after_close', 'audio after close', false);
      return;
    }
    const layout = this.#layout;
    if (this.#state !== 'open') {
      this.#count('early_audio');
      this.#reject('audio_before_open', 'audio before opened', false);
      return;
    }
    if (layout === undefined) {
      this.#reject('audio_without_media', 'audio without a selected media', false);
      return;
    }
    if (this.#pause !== 'streaming' && this.#pause !== 'requested') {
      this.#reject('audio_while_paused', 'audio while paused', false);
      return;
    }
    if (frame.length === 0 || frame.length % bytesPerSampleFrame(layout) !== 0) {
      this.#reject('bad_audio_frame', 'binary data not a valid audio frame', false);
      return;
    }
    this.#bot.audio(frame, layout, now);
  }
}
