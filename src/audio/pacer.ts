/** One tick of a pacer: the frame to send now and how late the pacer itself was. */
export interface PacedFrame {
  /** Frame number, from 0. */
  index: number;
  /** When the frame was due, in ms on the pacer's monotonic clock. */
  deadlineMs: number;
  /** When the pacer handed it over, in ms on the same clock. */
  sentAtMs: number;
  /**
   * `sentAtMs − deadlineMs` in seconds: the sender's own pacing error ("self-jitter"), to export
   * so a starved prober is not mistaken for a jittery endpoint.
   */
  latenessSeconds: number;
}

/** Options shared by both pacers. */
export interface PacerOptions {
  /** Frame duration in milliseconds (20 for RTP-style frames, 200 for AudioHook's reference). */
  frameMs: number;
  /** Called once per frame to send it; `frame.latenessSeconds` is the pacing error to record. */
  onFrame: (frame: PacedFrame) => void;
  /**
   * Called instead of throwing when `onFrame` throws; the pacer has stopped by then. Without it
   * the error propagates from the timer callback (an uncaught exception).
   */
  onError?: (error: unknown) => void;
  /** Monotonic clock in milliseconds. @default `performance.now()` */
  now?: () => number;
}

/** Sends frames on a schedule until stopped. */
export interface FramePacer {
  /**
   * Starts the schedule; frame 0 is due at the moment of the call and is delivered from a timer,
   * never synchronously. @throws Error when called a second time.
   */
  start(): void;
  /** Stops; no callback runs afterwards and no timer is left behind. Safe to call repeatedly. */
  stop(): void;
  /** True between `start()` and `stop()`. */
  readonly running: boolean;
  /** Frames handed to `onFrame` so far. */
  readonly framesSent: number;
}

function checkOptions(options: PacerOptions): () => number {
  if (!(options.frameMs > 0) || !Number.isFinite(options.frameMs)) {
    throw new RangeError(
      `frameMs must be a positive number of milliseconds, got ${options.frameMs}`,
    );
  }
  // Read the global at call time so test fake timers (which replace `performance`) apply.
  return options.now ?? (() => performance.now());
}

/** Hands a frame to the caller, routing an exception to `onError` when one is configured. */
function deliver(options: PacerOptions, frame: PacedFrame, stop: () => void): void {
  try {
    options.onFrame(frame);
  } catch (error) {
    stop();
    if (options.onError === undefined) throw error;
    options.onError(error);
  }
}

/**
 * A drift-free pacer: frame n is due at `start + n × frameMs` on a monotonic clock and each
 * frame is sent from its own `setTimeout` aimed at that absolute deadline, so timer error never
 * accumulates (a chained `setTimeout(frameMs)` or a `setInterval` drifts). A late frame is sent
 * at once and reported with its lateness; nothing is skipped, and the next deadline stays on the
 * grid, so after a stall the overdue frames go out back to back (one per `setImmediate`, so
 * I/O still runs between them) until the pacer is on time again.
 */
export function createFramePacer(options: PacerOptions): FramePacer {
  const now = checkOptions(options);
  const { frameMs } = options;
  let startMs = 0;
  let index = 0;
  let cancel: (() => void) | undefined;
  let started = false;
  let running = false;

  const stop = (): void => {
    running = false;
    cancel?.();
    cancel = undefined;
  };

  const arm = (): void => {
    const wait = startMs + index * frameMs - now();
    if (wait <= 0) {
      // Overdue: setTimeout(0) would still wait a millisecond; setImmediate only lets pending
      // I/O run first.
      const immediate = setImmediate(fire);
      cancel = () => {
        clearImmediate(immediate);
      };
    } else {
      // Node timers run on a millisecond loop clock and may fire a little early; round up here
      // and re-check in fire() rather than sending before the deadline.
      const timer = setTimeout(fire, Math.ceil(wait));
      cancel = () => {
        clearTimeout(timer);
      };
    }
  };

  const fire = (): void => {
    cancel = undefined;
    if (!running) return;
    const deadlineMs = startMs + index * frameMs;
    const sentAtMs = now();
    if (sentAtMs < deadlineMs) {
      arm();
      return;
    }
    const frame = { index, deadlineMs, sentAtMs, latenessSeconds: (sentAtMs - deadlineMs) / 1000 };
    index += 1;
    deliver(options, frame, stop);
    // onFrame may have called stop(); a function call hides that from the type narrowing.
    if (isRunning()) arm();
  };

  const isRunning = (): boolean => running;

  return {
    start() {
      if (started) throw new Error('pacer already started');
      started = true;
      running = true;
      startMs = now();
      arm();
    },
    stop,
    get running() {
      return isRunning();
    },
    get framesSent() {
      return index;
    },
  };
}

/**
 * The naive pacer, for benchmark comparison only: one `setInterval(frameMs)`, as the AudioHook
 * reference client does. Same interface; frame n is measured against `start + (n + 1) × frameMs`
 * (the first interval tick), so its lateness shows the drift and bunching of interval timers.
 * Lateness may be negative here: it does not guard against early ticks.
 */
export function createIntervalPacer(options: PacerOptions): FramePacer {
  const now = checkOptions(options);
  const { frameMs } = options;
  let originMs = 0;
  let index = 0;
  let interval: NodeJS.Timeout | undefined;
  let started = false;

  const stop = (): void => {
    if (interval !== undefined) clearInterval(interval);
    interval = undefined;
  };

  return {
    start() {
      if (started) throw new Error('pacer already started');
      started = true;
      originMs = now() + frameMs;
      interval = setInterval(() => {
        const deadlineMs = originMs + index * frameMs;
        const sentAtMs = now();
        const frame = {
          index,
          deadlineMs,
          sentAtMs,
          latenessSeconds: (sentAtMs - deadlineMs) / 1000,
        };
        index += 1;
        deliver(options, frame, stop);
      }, frameMs);
    },
    stop,
    get running() {
      return interval !== undefined;
    },
    get framesSent() {
      return index;
    },
  };
}
