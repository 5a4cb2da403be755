/** What one frame did to the jitter estimate. */
export interface JitterSample {
  /**
   * RFC 3550 D against the previous frame in arrival order, in seconds: how much later (+) or
   * earlier (−) this frame arrived than its media spacing predicts. `undefined` for the first.
   */
  d: number | undefined;
  /** The smoothed interarrival jitter J after this frame, in seconds. */
  jitter: number;
  /**
   * Relative transit time, in seconds: arrival − media time, with an arbitrary constant offset
   * (clocks are not synchronised). `transit − min(transit)` over a window is the RFC 5481 PDV.
   */
  transit: number;
}

/**
 * RFC 3550 §6.4.1 / Appendix A.8 interarrival jitter, applied to WebSocket audio.
 *
 * The media timestamp S of a frame is the cumulative number of samples (per channel) sent
 * before it, never a message count: one WebSocket message may carry several frames, and bots
 * send bursts faster than real time. D(i−1, i) = (R_i − R_{i−1}) − (S_i − S_{i−1}) and
 * J += (|D| − J) / 16, computed in seconds rather than timestamp units so the result can be
 * exported as-is (as WebRTC's `jitter` is).
 */
export class InterarrivalJitter {
  readonly #sampleRate: number;
  #samplesBefore = 0;
  #previousTransit: number | undefined;
  #jitter = 0;
  #frames = 0;

  /** @param sampleRate media clock in Hz (8000 for PCMU and 8 kHz L16). */
  constructor(sampleRate: number) {
    if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
      throw new RangeError(`sampleRate must be a positive number of Hz, got ${sampleRate}`);
    }
    this.#sampleRate = sampleRate;
  }

  /** The current estimate J, in seconds (0 before two frames have arrived). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Frames seen so far. RTCP monitors show nothing before about 16: J is still converging. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Records one received frame.
   * @param arrivalSeconds arrival time on a monotonic clock, in seconds (`performance.now()/1000`)
   * @param samplesInFrame samples per channel carried by the frame (bytes / bytes per sample /
   *   channels), which advances the media clock for the next frame
   */
  onFrame(arrivalSeconds: number, samplesInFrame: number): JitterSample {
    if (!(samplesInFrame >= 0) || !Number.isFinite(arrivalSeconds)) {
      throw new RangeError(
        `need a finite arrival time and samples ≥ 0, got ${arrivalSeconds} s, ${samplesInFrame}`,
      );
    }
    const transit = arrivalSeconds - this.#samplesBefore / this.#sampleRate;
    let d: number | undefined;
    if (this.#previousTransit !== undefined) {
      d = transit - this.#previousTransit;
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#previousTransit = transit;
    this.#samplesBefore += samplesInFrame;
    this.#frames += 1;
    return { d, jitter: this.#jitter, transit };
  }

  /**
   * Records a frame whose media position is known (a tagged echo frame, an RTP-like sequence):
   * frames lost before it then do not distort D, as RTP timestamps keep RFC 3550 honest across
   * loss.
   * @param startSample media position of the frame's first sample (samples per channel)
   */
  onFrameAt(arrivalSeconds: number, startSample: number, samplesInFrame: number): JitterSample {
    this.#samplesBefore = startSample;
    return this.onFrame(arrivalSeconds, samplesInFrame);
  }

  /**
   * Starts a new talk spurt: the next frame sets a new transit reference (the silence between
   * spurts is not network delay) while the estimate J carries on.
   */
  newSpurt(): void {
    this.#previousTransit = undefined;
  }

  /** Forgets everything, for a new stream (after a reconnect the media clock restarts). */
  reset(): void {
    this.#samplesBefore = 0;
    this.#previousTransit = undefined;
    this.#jitter = 0;
    this.#frames = 0;
  }
}
