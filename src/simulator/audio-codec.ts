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

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32_635;

/** Bytes per sample of one channel. */
export function bytesPerSample(encoding: AudioEncoding): number {
  return encoding === 'PCMU' ? 1 : 2;
}

/** Media duration of `bytes` bytes in milliseconds (a partial sample counts as none). */
export function durationMs(bytes: number, layout: AudioLayout): number {
  const frames = Math.floor(bytes / (bytesPerSample(layout.encoding) * layout.channels));
  return (frames / layout.rate) * 1000;
}

/** G.711 µ-law byte → 16-bit linear sample. */
export function mulawToLinear(byte: number): number {
  const value = ~byte & 0xff;
  const exponent = (value >> 4) & 0x07;
  const magnitude = ((((value & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return (value & 0x80) !== 0 ? -magnitude : magnitude;
}

/** 16-bit linear sample → G.711 µ-law byte. */
export function linearToMulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const biased = Math.min(Math.abs(Math.trunc(sample)), MULAW_CLIP) + MULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (biased & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (biased >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/**
 * RMS level of channel 0 in dBFS (0 dBFS = full-scale square wave); -Infinity for digital
 * silence or an empty frame. L16 is read little-endian, like the AudioHook reference code and
 * jambonz (protocols.md §3.8).
 */
export function channelZeroDbfs(frame: Buffer, layout: AudioLayout): number {
  const width = bytesPerSample(layout.encoding);
  const stride = width * layout.channels;
  let sum = 0;
  let count = 0;
  for (let offset = 0; offset + stride <= frame.length; offset += stride) {
    const sample =
      layout.encoding === 'PCMU' ? mulawToLinear(frame[offset] ?? 0xff) : frame.readInt16LE(offset);
    sum += sample * sample;
    count += 1;
  }
  if (count === 0 || sum === 0) return -Infinity;
  return 20 * Math.log10(Math.sqrt(sum / count) / 32_768);
}

/**
 * A sine tone frame of `samples` samples per channel, the same signal on every channel.
 *
 * @param startSample sample index of the first sample, so consecutive frames join smoothly.
 * @param amplitude peak level, 0..1 of full scale. @default 0.25 (about -15 dBFS RMS)
 */
export function toneFrame(
  layout: AudioLayout,
  samples: number,
  startSample: number,
  frequencyHz = 440,
  amplitude = 0.25,
): Buffer {
  const width = bytesPerSample(layout.encoding);
  const frame = Buffer.alloc(samples * width * layout.channels);
  for (let i = 0; i < samples; i++) {
    const value = Math.round(
      amplitude * 32_767 * Math.sin((2 * Math.PI * frequencyHz * (startSample + i)) / layout.rate),
    );
    for (let channel = 0; channel < layout.channels; channel++) {
      const offset = (i * layout.channels + channel) * width;
      if (layout.encoding === 'PCMU') frame[offset] = linearToMulaw(value);
      else frame.writeInt16LE(value, offset);
    }
  }
  return frame;
}

/** ISO-8601 duration of AudioHook positions: 1234.5 ms → `PT1.235S` (millisecond precision). */
export function isoDuration(ms: number): string {
  const seconds = (Math.max(0, Math.round(ms)) / 1000).toFixed(3).replace(/\.?0+$/, '');
  return `PT${seconds}S`;
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
