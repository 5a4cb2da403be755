import { dbfsToAmplitude } from './level.ts';
import type { WavAudio } from './wav.ts';

/**
 * Successive frames of audio to send, as 16-bit linear samples. Encoding (µ-law, L16) and
 * interleaving happen later, in the codec.
 */
export interface FrameSource {
  /** Samples per second per channel (Hz). */
  readonly sampleRate: number;
  /** Channel count; {@link nextFrame} returns this many arrays. */
  readonly channels: number;
  /** Samples per channel in a full frame (8000 Hz × 20 ms → 160). */
  readonly samplesPerFrame: number;
  /**
   * Samples per channel emitted so far: the media position of the next frame. Divide by
   * `sampleRate` for seconds (AudioHook `position`); use it as the RTP-style media timestamp.
   */
  readonly position: number;
  /**
   * The next frame, one array per channel, or `undefined` once a finite source has ended. The
   * last frame of a finite source may be shorter than `samplesPerFrame` (as AudioHook allows).
   */
  nextFrame(): Int16Array[] | undefined;
}

/** Frame geometry shared by the generated sources. */
export interface FrameShape {
  /** Samples per second per channel (Hz). */
  sampleRate: number;
  /** Samples per channel in a frame. */
  samplesPerFrame: number;
  /** Channel count; every channel carries the same signal. @default 1 */
  channels?: number;
}

/** A sine tone. */
export interface ToneOptions extends FrameShape {
  /** Tone frequency in Hz. */
  frequencyHz: number;
  /** Level in dBFS (a full-scale sine is 0 dBFS); at most 0. */
  levelDbfs: number;
  /** Length in milliseconds; endless when omitted. */
  durationMs?: number;
  /**
   * Media position (samples per channel) of the first sample, so a tone cut into pieces of any
   * length continues its phase from piece to piece. @default 0
   */
  startPosition?: number;
}

/** Digital silence. */
export interface SilenceOptions extends FrameShape {
  /** Length in milliseconds; endless when omitted. */
  durationMs?: number;
}

/** How a decoded WAV file is played. */
export interface WavSourceOptions {
  /** Samples per channel in a frame. */
  samplesPerFrame: number;
  /** Start again from the beginning at the end instead of ending. @default false */
  loop?: boolean;
}

/** The talk burst of a {@link talkThenSilenceSource}: a tone, or audio from a WAV file. */
export type TalkAudio = { frequencyHz?: number; levelDbfs?: number } | WavAudio;

/** "Talk, then stay silent" for turn-latency probes. */
export interface TalkThenSilenceOptions extends FrameShape {
  /** Length of the utterance in milliseconds. */
  utteranceMs: number;
  /** Silence after it in milliseconds (time left for the bot to answer). */
  silenceMs: number;
  /**
   * What the utterance sounds like. A WAV must have the source's sample rate and either one
   * channel (copied to every channel) or as many as the source; it loops if shorter than the
   * utterance. @default a {@link DEFAULT_TALK_TONE} tone
   */
  talk?: TalkAudio;
}

/** A source that knows where its utterance ends, so turn latency can be measured from there. */
export interface TalkThenSilenceSource extends FrameSource {
  /** Media position (samples per channel) of the first silent sample after the utterance. */
  readonly utteranceEndPosition: number;
}

/** The tone used when a talk-then-silence source is given no audio: 440 Hz at −20 dBFS. */
export const DEFAULT_TALK_TONE = { frequencyHz: 440, levelDbfs: -20 } as const;

type SampleAt = (channel: number, index: number) => number;

class GeneratedSource implements FrameSource {
  readonly sampleRate: number;
  readonly channels: number;
  readonly samplesPerFrame: number;
  #position = 0;
  readonly #total: number | undefined;
  readonly #sampleAt: SampleAt;

  constructor(
    shape: Required<FrameShape>,
    total: number | undefined,
    sampleAt: SampleAt,
    start = 0,
  ) {
    this.sampleRate = shape.sampleRate;
    this.channels = shape.channels;
    this.samplesPerFrame = shape.samplesPerFrame;
    this.#total = total;
    this.#sampleAt = sampleAt;
    this.#position = start;
  }

  get position(): number {
    return this.#position;
  }

  nextFrame(): Int16Array[] | undefined {
    const left = this.#total === undefined ? Infinity : this.#total - this.#position;
    if (left <= 0) return undefined;
    const length = Math.min(this.samplesPerFrame, left);
    const start = this.#position;
    const frame = Array.from({ length: this.channels }, (_, channel) => {
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i += 1) samples[i] = this.#sampleAt(channel, start + i);
      return samples;
    });
    this.#position += length;
    return frame;
  }
}

function checkShape(shape: FrameShape): Required<FrameShape> {
  const channels = shape.channels ?? 1;
  if (!Number.isInteger(shape.sampleRate) || shape.sampleRate < 1) {
    throw new RangeError(`sampleRate must be a positive integer (Hz), got ${shape.sampleRate}`);
  }
  if (!Number.isInteger(shape.samplesPerFrame) || shape.samplesPerFrame < 1) {
    throw new RangeError(
      `samplesPerFrame must be a positive integer, got ${shape.samplesPerFrame}`,
    );
  }
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  }
  return { sampleRate: shape.sampleRate, samplesPerFrame: shape.samplesPerFrame, channels };
}

function samplesFor(name: string, ms: number | undefined, sampleRate: number): number | undefined {
  if (ms === undefined) return undefined;
  if (!(ms >= 0) || !Number.isFinite(ms)) {
    throw new RangeError(`${name} must be a finite number of milliseconds ≥ 0, got ${ms}`);
  }
  return Math.round((sampleRate * ms) / 1000);
}

function toneAt(sampleRate: number, frequencyHz: number, levelDbfs: number): SampleAt {
  if (!(frequencyHz > 0) || frequencyHz >= sampleRate / 2) {
    throw new RangeError(`frequencyHz must be in (0, ${sampleRate / 2}), got ${frequencyHz}`);
  }
  if (!(levelDbfs <= 0)) throw new RangeError(`levelDbfs must be ≤ 0, got ${levelDbfs}`);
  const amplitude = dbfsToAmplitude(levelDbfs);
  const step = (2 * Math.PI * frequencyHz) / sampleRate;
  // Phase from the absolute sample index: frames join without a click and nothing accumulates.
  return (_channel, index) => Math.round(amplitude * Math.sin(step * index));
}

function wavAt(wav: WavAudio, loop: boolean): SampleAt {
  const length = wav.samples[0]?.length ?? 0;
  return (channel, index) => {
    const samples = wav.samples[channel] ?? wav.samples[0];
    return samples?.[loop ? index % length : index] ?? 0;
  };
}

/**
 * A sine tone at `frequencyHz` and `levelDbfs`, the same on every channel.
 * @throws RangeError for a frequency outside (0, Nyquist), a level above 0 dBFS or bad geometry.
 */
export function toneSource(options: ToneOptions): FrameSource {
  const shape = checkShape(options);
  const sampleAt = toneAt(shape.sampleRate, options.frequencyHz, options.levelDbfs);
  const start = options.startPosition ?? 0;
  if (!Number.isInteger(start) || start < 0) {
    throw new RangeError(`startPosition must be an integer ≥ 0, got ${start}`);
  }
  const length = samplesFor('durationMs', options.durationMs, shape.sampleRate);
  return new GeneratedSource(
    shape,
    length === undefined ? undefined : start + length,
    sampleAt,
    start,
  );
}

/** Digital silence (all zeros). @throws RangeError for bad geometry. */
export function silenceSource(options: SilenceOptions): FrameSource {
  const shape = checkShape(options);
  return new GeneratedSource(
    shape,
    samplesFor('durationMs', options.durationMs, shape.sampleRate),
    () => 0,
  );
}

/**
 * Plays a decoded WAV file (see `parseWav`) at its own rate and channel count — no resampling,
 * so check `sampleRate` against what the peer negotiated.
 * @throws RangeError when asked to loop an empty file.
 */
export function wavSource(wav: WavAudio, options: WavSourceOptions): FrameSource {
  const loop = options.loop ?? false;
  const length = wav.samples[0]?.length ?? 0;
  if (loop && length === 0) throw new RangeError('cannot loop a WAV file with no samples');
  const shape = checkShape({
    sampleRate: wav.sampleRate,
    samplesPerFrame: options.samplesPerFrame,
    channels: wav.channels,
  });
  return new GeneratedSource(shape, loop ? undefined : length, wavAt(wav, loop));
}

/**
 * An utterance (`utteranceMs` of tone or WAV audio) followed by `silenceMs` of silence, then the
 * end. The utterance may end inside a frame; the rest of that frame is already silence.
 * @throws RangeError for bad durations or geometry, or a WAV that does not fit the source.
 */
export function talkThenSilenceSource(options: TalkThenSilenceOptions): TalkThenSilenceSource {
  const shape = checkShape(options);
  const talkSamples = samplesFor('utteranceMs', options.utteranceMs, shape.sampleRate) ?? 0;
  const silence = samplesFor('silenceMs', options.silenceMs, shape.sampleRate) ?? 0;
  const talk = options.talk ?? DEFAULT_TALK_TONE;
  let talkAt: SampleAt;
  if ('samples' in talk) {
    if (talk.sampleRate !== shape.sampleRate) {
      throw new RangeError(`talk WAV is ${talk.sampleRate} Hz, source is ${shape.sampleRate} Hz`);
    }
    if (talk.channels !== 1 && talk.channels !== shape.channels) {
      throw new RangeError(`talk WAV has ${talk.channels} channels, source has ${shape.channels}`);
    }
    if ((talk.samples[0]?.length ?? 0) === 0) throw new RangeError('talk WAV has no samples');
    talkAt = wavAt(talk, true);
  } else {
    talkAt = toneAt(
      shape.sampleRate,
      talk.frequencyHz ?? DEFAULT_TALK_TONE.frequencyHz,
      talk.levelDbfs ?? DEFAULT_TALK_TONE.levelDbfs,
    );
  }
  const source = new GeneratedSource(shape, talkSamples + silence, (channel, index) =>
    index < talkSamples ? talkAt(channel, index) : 0,
  );
  return Object.assign(source, { utteranceEndPosition: talkSamples });
}
