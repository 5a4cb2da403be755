import type { AudioEndpointKey } from '../endpoint-keys.ts';
import { Ring } from './ring.ts';

/**
 * What produced an audio frame sent back: an echo of a caller frame, a generated bot burst
 * (AudioHook `bursts`, jambonz `stream`), or one jambonz `playAudio` message.
 */
export type AudioFrameKind = 'echo' | 'burst' | 'play';

/**
 * Ground truth of one audio frame the simulator meant to send back. Times are milliseconds on
 * the simulator's `performance.now()` clock, so an in-process benchmark can compare them with
 * its own arrival times.
 */
export interface AudioFrameRecord {
  /** AudioHook session id (`Audiohook-Session-Id`), or the jambonz `callSid`. */
  session: string;
  /** Simulator connection number (the same session id may connect more than once). */
  connection: number;
  /** 0-based position among the frames of this connection, dropped ones included. */
  index: number;
  kind: AudioFrameKind;
  /** Audio bytes (for `play`, the raw L16 bytes before base64). */
  bytes: number;
  /**
   * When the caller frame arrived (`echo`), or when the caller's silence triggered the bot turn
   * (`burst`, `play`).
   */
  received_at_ms: number;
  /**
   * When the frame would have been sent without `frame_delay`: the arrival for an echo; the
   * turn start plus the pacing offset for a burst frame.
   */
  nominal_at_ms: number;
  /** `nominal_at_ms` plus `delay_ms`. */
  due_at_ms: number;
  /**
   * When the frame was written; at least `due_at_ms`, later when an earlier frame was still
   * waiting (frames stay in order). null when dropped or never written.
   */
  sent_at_ms: number | null;
  /** Drawn `frame_delay`; 0 for a dropped frame. */
  delay_ms: number;
  /** Dropped by `frame_loss_rate` / `frame_loss_burst`. */
  dropped: boolean;
}

/**
 * Every audio frame sent back (or dropped), per audio endpoint, bounded: the oldest go first.
 * Records are kept by reference, so a frame's `sent_at_ms` appears once it is written.
 */
export class AudioFrameLog {
  readonly #capacity: number;
  #rings = new Map<AudioEndpointKey, Ring<AudioFrameRecord>>();

  /** @param capacity records kept per audio endpoint, across its sessions. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Keeps `record` (by reference). */
  add(key: AudioEndpointKey, record: AudioFrameRecord): void {
    let ring = this.#rings.get(key);
    if (ring === undefined) {
      ring = new Ring<AudioFrameRecord>(this.#capacity);
      this.#rings.set(key, ring);
    }
    ring.push(record);
  }

  /** Copies of the kept records, oldest first, optionally of one session only. */
  list(key: AudioEndpointKey, session?: string): AudioFrameRecord[] {
    const records = this.#rings.get(key)?.values() ?? [];
    return records
      .filter((record) => session === undefined || record.session === session)
      .map((record) => ({ ...record }));
  }

  /** Forgets every record. */
  clear(): void {
    this.#rings = new Map();
  }
}
