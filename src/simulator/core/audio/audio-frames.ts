import {
  bytesPerSample as codecBytesPerSample,
  decodeFrame,
  encodeFrame,
} from '../../../audio/codec.ts';
import { formatIsoDuration } from '../../../audio/duration.ts';
/** Audio encodings the simulated audio servers read and write. */
export type AudioEncoding = 'PCMU' | 'L16';

/** How a stream's bytes are laid out. */
export interface AudioLayout {
  encoding: AudioEncoding;
  /** Samples per second per channel. */
  rate: number;
  /** Interleaved channels; channel 0 is the caller (AudioHook `external`). */
  channels: number;
}

/** Bytes per sample of one channel. */
export function bytesPerSample(encoding: AudioEncoding): number {
  return codecBytesPerSample(encoding);
}

/** Media duration of a payload, ms. */
export function durationMs(bytes: number, layout: AudioLayout): number {
  const frames = Math.floor(bytes / (bytesPerSample(layout.encoding) * layout.channels));
  return (frames / layout.rate) * 1000;
}

/** RMS level of channel 0 (the caller), dBFS; −Infinity for digital silence or an empty frame. */
export function channelZeroDbfs(frame: Buffer, layout: AudioLayout): number {
  const stride = bytesPerSample(layout.encoding) * layout.channels;
  const whole = frame.subarray(0, frame.length - (frame.length % stride));
  if (whole.length === 0) return -Infinity;
  const [caller] = decodeFrame(layout.encoding, whole, layout.channels);
  if (caller === undefined) return -Infinity;
  let sum = 0;
  for (const sample of caller) sum += sample * sample;
  // Relative to the 16-bit full-scale value (a full-scale sine reads -3 dBFS here), as the
  // simulator's turn thresholds were set against.
  return sum === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(sum / caller.length) / 32_768);
}

/**
 * A tone frame continuing the phase from `startSample`, the same signal on every channel, in the
 * layout's encoding (a bot "speaking").
 */
export function toneFrame(
  layout: AudioLayout,
  samples: number,
  startSample: number,
  frequencyHz = 440,
  amplitude = 0.25,
): Buffer {
  const channel = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    channel[i] = Math.round(
      amplitude * 32_767 * Math.sin((2 * Math.PI * frequencyHz * (startSample + i)) / layout.rate),
    );
  }
  return encodeFrame(
    layout.encoding,
    Array.from({ length: layout.channels }, () => channel),
  );
}

/** Milliseconds as an AudioHook `PT…S` duration. */
export function isoDuration(ms: number): string {
  return formatIsoDuration(Math.max(0, Math.round(ms)) / 1000);
}

/**
 * Detects bot turns: caller speech followed by `silenceMs` of silence (channel 0 below
 * `thresholdDbfs`, counted in media time, not wall time). Pure silence never makes a turn.
 */
export class TurnDetector {
  #heardSpeech = false;
  #silentMs = 0;

  /**
   * @param silenceMs silence that ends the caller's turn, ms.
   * @param thresholdDbfs level below which a frame is silence. @default -40
   */
  constructor(
    readonly silenceMs: number,
    readonly thresholdDbfs = -40,
  ) {}

  /** Feeds one caller frame; true when it completes a turn (speech, then enough silence). */
  feed(levelDbfs: number, frameMs: number): boolean {
    if (levelDbfs >= this.thresholdDbfs) {
      this.#heardSpeech = true;
      this.#silentMs = 0;
      return false;
    }
    this.#silentMs += frameMs;
    if (!this.#heardSpeech || this.#silentMs < this.silenceMs) return false;
    this.#heardSpeech = false;
    return true;
  }
}
