/** Options of a {@link PlayoutBuffer}. */
export interface PlayoutOptions {
  /** Media clock in Hz (samples per second per channel). */
  sampleRate: number;
  /** Fixed buffer depth in milliseconds: how long playout waits after the first arrival. @default 60 */
  depthMs?: number;
  /**
   * Samples per channel in one nominal frame, used to turn a hole in the sample sequence into a
   * number of lost frames. @default the size of the first frame received
   */
  frameSamples?: number;
}

/** What the buffer made of one received frame. */
export interface PlayoutFrameResult {
  /** When the frame's first sample is due for playout, in seconds on the arrival clock. */
  dueSeconds: number;
  /** `dueSeconds − arrival`: buffer headroom left, in seconds; negative when late. */
  slackSeconds: number;
  /** True when the frame arrived after it was due: it is discarded (effective loss). */
  late: boolean;
  /** Frames found missing outright just before this one (a hole in the sample sequence). */
  lostBefore: number;
  /** True when the frame starts before the expected position (a repeat); it is ignored. */
  duplicate: boolean;
}

/** Counters of a {@link PlayoutBuffer}. */
export interface PlayoutStats {
  /** Frames received (on time or late), not counting duplicates. */
  frames: number;
  /** Received frames that arrived after their due time. */
  late: number;
  /** Frames that never arrived (holes in the sample sequence, and the tail given to `finish`). */
  lost: number;
  /** Frames the sender sent: `frames + lost`. */
  expected: number;
  /** Received frames that overlapped media already received, ignored. */
  duplicates: number;
  /** Runs of consecutive late or missing frames (underruns). */
  gaps: number;
  /** Media time not covered when due, in seconds (late + missing frames). */
  gapSeconds: number;
  /** The longest single gap, in seconds. */
  longestGapSeconds: number;
  /** `(lost + late) / expected`, 0–1: the packet-loss ratio for the E-model (× 100 for Ppl). */
  lossRatio: number;
  /** Burst ratio estimate for Ie,eff, see {@link burstRatio}. */
  burstRatio: number;
}

/** The default fixed buffer depth, 60 ms (a common initial jitter-buffer size). */
export const DEFAULT_PLAYOUT_DEPTH_MS = 60;

/**
 * BurstR for ITU-T G.107 Ie,eff: the mean observed loss-run length divided by the mean run
 * length random (Bernoulli) loss at the same ratio p would give, 1 / (1 − p). That equals the
 * G.107 two-state Markov definition 1 / (p_loss + q_recover) when the transition probabilities
 * are estimated from the same counts. amplet2 approximates the denominator as 1 (the limit for
 * small p), i.e. uses the mean run length alone; the two agree at low loss. 1 when there is no
 * loss; with everything lost (p = 1) the mean run length is returned.
 * @param lossEvents frames lost or late
 * @param runs runs of consecutive lost or late frames
 * @param expected frames expected
 */
export function burstRatio(lossEvents: number, runs: number, expected: number): number {
  if (lossEvents <= 0 || runs <= 0 || expected <= 0) return 1;
  const meanRun = lossEvents / runs;
  const p = lossEvents / expected;
  return p >= 1 ? meanRun : meanRun * (1 - p);
}

/**
 * A fixed-depth playout (de-jitter) buffer model that turns arrival timing into loss, so bursty
 * WebSocket audio can be scored like RTP.
 *
 * Playout starts `depthMs` after the first frame arrives; the frame at media position s is due
 * at `playoutStart + (s − s₀) / sampleRate`. A frame arriving after that is late and counts as
 * lost (the buffer never stretches); a hole in the sample sequence (a skipped AudioHook
 * `position`, a missing sequence number) counts as frames lost outright. Consecutive late or
 * missing frames form one gap. Capacity is unbounded: a sender running ahead of real time (TTS
 * bursts) just fills the buffer. Frames arrive in order — a WebSocket cannot reorder.
 */
export class PlayoutBuffer {
  readonly #sampleRate: number;
  readonly #depthSeconds: number;
  #frameSamples: number | undefined;
  #playoutStart: number | undefined;
  #firstSample = 0;
  #nextSample = 0;
  #frames = 0;
  #late = 0;
  #lost = 0;
  #duplicates = 0;
  #gaps = 0;
  #gapSeconds = 0;
  #longestGapSeconds = 0;
  #currentGapSeconds: number | undefined;

  /** @throws RangeError for a non-positive rate, frame size, or a negative depth. */
  constructor(options: PlayoutOptions) {
    const depthMs = options.depthMs ?? DEFAULT_PLAYOUT_DEPTH_MS;
    if (!(options.sampleRate > 0)) {
      throw new RangeError(`sampleRate must be positive (Hz), got ${options.sampleRate}`);
    }
    if (!(depthMs >= 0) || !Number.isFinite(depthMs)) {
      throw new RangeError(`depthMs must be a finite number ≥ 0, got ${depthMs}`);
    }
    if (options.frameSamples !== undefined && !(options.frameSamples > 0)) {
      throw new RangeError(`frameSamples must be positive, got ${options.frameSamples}`);
    }
    this.#sampleRate = options.sampleRate;
    this.#depthSeconds = depthMs / 1000;
    this.#frameSamples = options.frameSamples;
  }

  /**
   * Records one received frame.
   * @param arrivalSeconds arrival on a monotonic clock, in seconds
   * @param samples samples per channel in the frame
   * @param startSample media position of the frame's first sample, when the protocol says
   *   (AudioHook `position` × rate, sequence number × frame size); without it frames are assumed
   *   contiguous, so only lateness — not outright loss — can be seen
   */
  onFrame(arrivalSeconds: number, samples: number, startSample?: number): PlayoutFrameResult {
    if (!Number.isFinite(arrivalSeconds) || !(samples > 0)) {
      throw new RangeError(
        `need a finite arrival time and samples > 0, got ${arrivalSeconds} s, ${samples}`,
      );
    }
    let playoutStart = this.#playoutStart;
    if (playoutStart === undefined) {
      playoutStart = arrivalSeconds + this.#depthSeconds;
      this.#playoutStart = playoutStart;
      this.#firstSample = startSample ?? 0;
      this.#nextSample = this.#firstSample;
      this.#frameSamples ??= samples;
    }
    const start = startSample ?? this.#nextSample;
    const dueSeconds = playoutStart + (start - this.#firstSample) / this.#sampleRate;
    const slackSeconds = dueSeconds - arrivalSeconds;
    if (start < this.#nextSample) {
      this.#duplicates += 1;
      return { dueSeconds, slackSeconds, late: false, lostBefore: 0, duplicate: true };
    }
    const lostBefore = this.#skipTo(start);
    const late = slackSeconds < 0;
    this.#frames += 1;
    if (late) {
      this.#late += 1;
      this.#missing(samples / this.#sampleRate);
    } else {
      this.#currentGapSeconds = undefined;
    }
    this.#nextSample = start + samples;
    return { dueSeconds, slackSeconds, late, lostBefore, duplicate: false };
  }

  /**
   * Ends the stream at media position `endSample` (samples per channel the sender says it sent):
   * anything not received before it counts as lost. Before any frame arrived this does nothing.
   */
  finish(endSample: number): void {
    if (this.#playoutStart === undefined) return;
    this.#skipTo(endSample);
  }

  /** A snapshot of the counters. */
  get stats(): PlayoutStats {
    const expected = this.#frames + this.#lost;
    const lossEvents = this.#lost + this.#late;
    return {
      frames: this.#frames,
      late: this.#late,
      lost: this.#lost,
      expected,
      duplicates: this.#duplicates,
      gaps: this.#gaps,
      gapSeconds: this.#gapSeconds,
      longestGapSeconds: this.#longestGapSeconds,
      lossRatio: expected === 0 ? 0 : lossEvents / expected,
      burstRatio: burstRatio(lossEvents, this.#gaps, expected),
    };
  }

  /** Counts the hole between the expected position and `start` as lost; returns frames lost. */
  #skipTo(start: number): number {
    const hole = start - this.#nextSample;
    if (hole <= 0) return 0;
    // A hole is usually whole frames; rounding keeps one odd-sized frame from counting twice.
    const frames = Math.max(1, Math.round(hole / (this.#frameSamples ?? hole)));
    this.#lost += frames;
    this.#missing(hole / this.#sampleRate);
    this.#nextSample = start;
    return frames;
  }

  #missing(seconds: number): void {
    if (this.#currentGapSeconds === undefined) {
      this.#gaps += 1;
      this.#currentGapSeconds = 0;
    }
    this.#currentGapSeconds += seconds;
    this.#gapSeconds += seconds;
    this.#longestGapSeconds = Math.max(this.#longestGapSeconds, this.#currentGapSeconds);
  }
}
