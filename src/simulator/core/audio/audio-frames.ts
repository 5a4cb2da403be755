import {
  bytesPerSample,
  decodeFrame,
  encodeFrame,
  type AudioFormat,
} from '../../../audio/codec.ts';
import { formatIsoDuration } from '../../../audio/duration.ts';
import { rmsDbfs } from '../../../audio/level.ts';
import { toneSource } from '../../../audio/sources.ts';
import { VoiceActivityDetector } from '../../../audio/voice-activity.ts';

/** How a stream's bytes are laid out. */
export interface AudioLayout {
  encoding: AudioFormat;
  /** Samples per second per channel. */
  rate: number;
  /** Interleaved channels; channel 0 is the caller (AudioHook `external`). */
  channels: number;
}

/** Silence that ends the caller's turn when the client does not say, ms. */
export const DEFAULT_SILENCE_MS = 600;
/** Length of a bot's answer when the client does not say, ms. */
export const DEFAULT_BURST_MS = 1_000;

/**
 * The simulator's speech threshold. Its levels are relative to the 16-bit full-scale value
 * (`full-scale-value`, where a full-scale sine reads −3 dBFS), not AES17 like the probers':
 * the turn thresholds were set against it, so it stays.
 */
const SPEECH_DBFS = -40;
const DBFS_REFERENCE = 'full-scale-value';

/** Bytes of one sample on every channel. */
export function bytesPerSampleFrame(layout: AudioLayout): number {
  return bytesPerSample(layout.encoding) * layout.channels;
}

/** Media duration of a payload, ms. */
export function durationMs(bytes: number, layout: AudioLayout): number {
  return (Math.floor(bytes / bytesPerSampleFrame(layout)) / layout.rate) * 1000;
}

/** Channel 0 (the caller) of the whole sample frames of `frame`, decoded. */
function callerSamples(frame: Buffer, layout: AudioLayout): Int16Array {
  const stride = bytesPerSampleFrame(layout);
  const whole = frame.subarray(0, frame.length - (frame.length % stride));
  if (whole.length === 0) return new Int16Array(0);
  return decodeFrame(layout.encoding, whole, layout.channels)[0] ?? new Int16Array(0);
}

/** RMS level of channel 0 (the caller), in the simulator's dBFS; −Infinity for silence. */
export function channelZeroDbfs(frame: Buffer, layout: AudioLayout): number {
  return rmsDbfs(callerSamples(frame, layout), DBFS_REFERENCE);
}

/**
 * A 440 Hz tone frame (a bot "speaking") continuing the phase from `startSample`, the same
 * signal on every channel, in the layout's encoding.
 *
 * @param amplitude peak as a fraction of full scale.
 */
export function toneFrame(
  layout: AudioLayout,
  samples: number,
  startSample: number,
  frequencyHz = 440,
  amplitude = 0.25,
): Buffer {
  const source = toneSource({
    sampleRate: layout.rate,
    samplesPerFrame: samples,
    channels: layout.channels,
    frequencyHz,
    levelDbfs: 20 * Math.log10(amplitude),
    startPosition: startSample,
  });
  return encodeFrame(layout.encoding, source.nextFrame() ?? []);
}

/** Milliseconds as an AudioHook `PT…S` duration. */
export function isoDuration(ms: number): string {
  return formatIsoDuration(Math.max(0, Math.round(ms)) / 1000);
}

/**
 * Finds bot turns in the caller's audio: speech on channel 0, then `silenceMs` of silence,
 * counted in media time, not wall time. Pure silence never makes a turn.
 */
export class CallerTurns {
  readonly #layout: AudioLayout;
  readonly #vad: VoiceActivityDetector;

  /** @param silenceMs silence that ends the caller's turn, ms. */
  constructor(layout: AudioLayout, silenceMs: number) {
    this.#layout = layout;
    this.#vad = new VoiceActivityDetector({
      sampleRate: layout.rate,
      thresholdDbfs: SPEECH_DBFS,
      dbfsReference: DBFS_REFERENCE,
      hangoverMs: silenceMs,
    });
  }

  /** Feeds one caller frame; true when it completes a turn (speech, then enough silence). */
  feed(frame: Buffer): boolean {
    return this.#vad.onFrame(callerSamples(frame, this.#layout)).ended;
  }
}
