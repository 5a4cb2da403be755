import { rmsDbfs, type DbfsReference } from './level.ts';

/** Options of a {@link VoiceActivityDetector}. */
export interface VoiceActivityOptions {
  /** Media clock in Hz, to turn frame lengths into time. */
  sampleRate: number;
  /** A frame at or above this RMS level (dBFS, see `dbfsReference`) is speech. @default -40 */
  thresholdDbfs?: number;
  /** What 0 dBFS is for `thresholdDbfs` and the reported levels. @default 'sine' (AES17) */
  dbfsReference?: DbfsReference;
  /**
   * How long the level must stay below the threshold before speech is declared over, in ms
   * of media time. Bridges the short pauses between words. @default 200
   */
  hangoverMs?: number;
}

/** The detector's verdict on one frame. */
export interface VoiceActivity {
  /** RMS level of the frame in dBFS (−Infinity for digital silence). */
  levelDbfs: number;
  /** This frame alone is at or above the threshold. */
  loud: boolean;
  /** Speech is in progress after this frame (loud, or within the hang-over after loud audio). */
  speaking: boolean;
  /** This frame starts speech: the "first non-silent audio" that ends a turn-latency timer. */
  started: boolean;
  /** The hang-over ran out on this frame: speech ended at the last loud frame. */
  ended: boolean;
}

/** Default speech threshold, −40 dBFS: well above line noise, well below normal speech. */
export const DEFAULT_VAD_THRESHOLD_DBFS = -40;

/** Default hang-over, 200 ms: longer than most pauses between words. */
export const DEFAULT_VAD_HANGOVER_MS = 200;

/**
 * Energy-based voice activity detection for received audio: tells bot speech from silence,
 * comfort noise and line hiss, so turn latency runs from the end of our utterance to the first
 * loud frame. A pause inside speech shorter than the hang-over does not end speech. Feed it one
 * channel; time is counted in samples, not wall clock, so network bursts do not stretch pauses.
 */
export class VoiceActivityDetector {
  readonly #thresholdDbfs: number;
  readonly #reference: DbfsReference;
  readonly #hangoverSamples: number;
  #speaking = false;
  #quietSamples = 0;

  /** @throws RangeError for a non-positive rate or a negative hang-over. */
  constructor(options: VoiceActivityOptions) {
    const hangoverMs = options.hangoverMs ?? DEFAULT_VAD_HANGOVER_MS;
    if (!(options.sampleRate > 0)) {
      throw new RangeError(`sampleRate must be positive (Hz), got ${options.sampleRate}`);
    }
    if (!(hangoverMs >= 0)) throw new RangeError(`hangoverMs must be ≥ 0, got ${hangoverMs}`);
    this.#thresholdDbfs = options.thresholdDbfs ?? DEFAULT_VAD_THRESHOLD_DBFS;
    this.#reference = options.dbfsReference ?? 'sine';
    this.#hangoverSamples = (options.sampleRate * hangoverMs) / 1000;
  }

  /** True while speech is in progress (including the hang-over). */
  get speaking(): boolean {
    return this.#speaking;
  }

  /** Classifies the next received frame (16-bit samples of one channel). */
  onFrame(samples: Int16Array): VoiceActivity {
    const levelDbfs = rmsDbfs(samples, this.#reference);
    const loud = levelDbfs >= this.#thresholdDbfs;
    const wasSpeaking = this.#speaking;
    let ended = false;
    if (loud) {
      this.#speaking = true;
      this.#quietSamples = 0;
    } else if (wasSpeaking) {
      this.#quietSamples += samples.length;
      if (this.#quietSamples >= this.#hangoverSamples) {
        this.#speaking = false;
        ended = true;
      }
    }
    return { levelDbfs, loud, speaking: this.#speaking, started: loud && !wasSpeaking, ended };
  }

  /** Back to silence, for the next turn. */
  reset(): void {
    this.#speaking = false;
    this.#quietSamples = 0;
  }
}
