import { performance } from 'node:perf_hooks';
import type { AudioFrameKind, AudioFrameRecord } from '../truth/audio-frame-log.ts';
import type { AudioEndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import { drawDelay } from '../faults/delays.ts';
import type { WsHub } from '../ws/hub.ts';
import type { WsSession } from '../ws/session.ts';

/** One write waiting for its time; `at` never decreases along the queue. */
interface QueuedWrite {
  at: number;
  write: () => void;
  /** Called instead of `write` when the write cannot happen (session ended, stalled, killed). */
  abandon: () => void;
}

/** A frame about to be sent back, see {@link FrameSender.frame}. */
export interface OutgoingFrame {
  kind: AudioFrameKind;
  /** Audio bytes, for the ground truth. */
  bytes: number;
  /** When the caller frame arrived, or the bot turn started (`performance.now()` ms). */
  receivedAt: number;
  /** When the frame is due without `frame_delay` (`performance.now()` ms). */
  nominalAt: number;
  /** Writes the frame to the socket. */
  send: () => void;
  /** Called instead when the frame is dropped or never written. */
  lost?: () => void;
}

/**
 * Sends one session's audio back through the frame faults (`frame_loss_rate`,
 * `frame_loss_burst`, `frame_delay`) and records every frame in the ground truth.
 *
 * Writes go through one FIFO queue with one timer: each write happens at the later of its own
 * due time and the previous write, because one TCP connection cannot reorder. A timer firing
 * early (libuv rounds) is re-armed, so no frame leaves before its recorded due time.
 */
export class FrameSender {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #session: WsSession;
  readonly #key: AudioEndpointKey;
  readonly #label: () => string;
  readonly #write: (data: Buffer) => void;
  readonly #queue: QueuedWrite[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastAt = -Infinity;
  #index = 0;
  #lossLeft = 0;
  #stopped = false;

  /**
   * @param label the session name the frame records carry (may become known later).
   * @param write writes one binary audio message to the client, for {@link audio}.
   */
  constructor(
    ctx: SimulatorContext,
    hub: WsHub,
    session: WsSession,
    key: AudioEndpointKey,
    label: () => string,
    write: (data: Buffer) => void,
  ) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#session = session;
    this.#key = key;
    this.#label = label;
    this.#write = write;
  }

  /**
   * Sends binary audio back through {@link frame}: an echo of a caller frame, or a piece of a
   * bot burst.
   *
   * @param receivedAt when the caller frame arrived, or the bot turn started.
   * @param nominalAt when it is due without `frame_delay`. @default receivedAt
   */
  audio(kind: AudioFrameKind, data: Buffer, receivedAt: number, nominalAt = receivedAt): void {
    this.frame({
      kind,
      bytes: data.length,
      receivedAt,
      nominalAt,
      send: () => {
        this.#write(data);
      },
    });
  }

  /** Sends one frame back, unless a loss drops it, after its drawn `frame_delay`. */
  frame(frame: OutgoingFrame): void {
    const { truth, faults, random } = this.#ctx;
    const fault = faults.getWs(this.#key);
    const record: AudioFrameRecord = {
      session: this.#label(),
      connection: this.#session.id,
      index: this.#index++,
      kind: frame.kind,
      bytes: frame.bytes,
      received_at_ms: frame.receivedAt,
      nominal_at_ms: frame.nominalAt,
      due_at_ms: frame.nominalAt,
      sent_at_ms: null,
      delay_ms: 0,
      dropped: false,
    };
    truth.audioFrame(this.#key, record);
    let dropped = false;
    if (this.#lossLeft > 0) {
      this.#lossLeft -= 1;
      dropped = true;
    } else if (fault.frame_loss_rate > 0 && random() < fault.frame_loss_rate) {
      this.#lossLeft = fault.frame_loss_burst - 1;
      truth.wsCount(this.#key, 'frame_loss_bursts');
      dropped = true;
    }
    if (dropped) {
      record.dropped = true;
      truth.wsCount(this.#key, 'frames_dropped');
      frame.lost?.();
      return;
    }
    const delay = drawDelay(fault.frame_delay, random);
    record.delay_ms = delay;
    record.due_at_ms = frame.nominalAt + delay;
    truth.frameDelay(this.#key, delay);
    this.#enqueue(record.due_at_ms, {
      write: () => {
        // Counted before the write, so a client that sees the frame sees it in the truth.
        truth.wsCount(this.#key, 'frames_sent');
        record.sent_at_ms = performance.now();
        frame.send();
      },
      abandon: () => {
        truth.wsCount(this.#key, 'frames_unsent');
        frame.lost?.();
      },
    });
  }

  /**
   * Runs `write` once every frame queued so far went out (a jambonz mark's `playout`), or
   * `abandon` if it cannot be written.
   *
   * @returns a function that takes the write out of the queue (nothing runs then).
   */
  after(write: () => void, abandon: () => void = () => undefined): () => void {
    const entry = this.#enqueue(performance.now(), { write, abandon });
    return () => {
      const index = entry === undefined ? -1 : this.#queue.indexOf(entry);
      if (index >= 0) this.#queue.splice(index, 1);
    };
  }

  /** Abandons every queued write (jambonz `killAudio`). @returns how many. */
  cancel(): number {
    const abandoned = this.#queue.splice(0);
    // Nothing waits any more, so later frames need not queue behind the abandoned ones.
    this.#lastAt = -Infinity;
    for (const entry of abandoned) entry.abandon();
    this.#rearm();
    return abandoned.length;
  }

  /** Stops for good: queued and later frames are abandoned (AudioHook `closed`, session end). */
  stop(): void {
    this.#stopped = true;
    this.cancel();
  }

  #enqueue(due: number, parts: Omit<QueuedWrite, 'at'>): QueuedWrite | undefined {
    const at = Math.max(due, this.#lastAt);
    this.#lastAt = at;
    if (this.#queue.length === 0 && at <= performance.now()) {
      this.#run({ at, ...parts });
      return undefined;
    }
    const entry = { at, ...parts };
    this.#queue.push(entry);
    if (this.#queue.length === 1) this.#rearm();
    return entry;
  }

  #run(entry: QueuedWrite): void {
    const session = this.#session;
    if (
      this.#stopped ||
      session.ended ||
      !session.transport.isOpen() ||
      this.#hub.isStalled(session)
    ) {
      entry.abandon();
      return;
    }
    entry.write();
  }

  #rearm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const head = this.#queue[0];
    if (head === undefined) return;
    const wait = Math.max(0, Math.ceil(head.at - performance.now()));
    this.#timer = setTimeout(() => {
      this.#tick();
    }, wait);
  }

  #tick(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (let head = this.#queue[0]; head !== undefined && head.at <= now; head = this.#queue[0]) {
      this.#queue.shift();
      this.#run(head);
    }
    this.#rearm();
  }
}
