import { performance } from 'node:perf_hooks';

/** Cancels a scheduled callback; calling it after the callback ran is harmless. */
export type CancelDelay = () => void;

/**
 * Runs callbacks after an exact delay and can cancel all of them at once, so closing the
 * simulator leaves no timer behind.
 *
 * A Node timer may fire up to about a millisecond early against the monotonic clock (libuv
 * rounds its loop time), which would let a probe see an answer faster than the ground truth
 * says. The scheduler therefore re-arms for whatever is left until the full delay has passed.
 */
export class DelayScheduler {
  readonly #pending = new Set<NodeJS.Timeout>();
  #closed = false;

  /** Number of callbacks waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Calls `callback` after `ms` milliseconds (at least, on the monotonic clock). After
   * {@link close} the callback is never called.
   */
  schedule(ms: number, callback: () => void): CancelDelay {
    const deadline = performance.now() + ms;
    let timer: NodeJS.Timeout | undefined;
    const arm = (wait: number): void => {
      if (this.#closed) return;
      timer = setTimeout(() => {
        this.#pending.delete(timer as NodeJS.Timeout);
        const left = deadline - performance.now();
        if (left > 0) arm(Math.ceil(left));
        else callback();
      }, wait);
      this.#pending.add(timer);
    };
    arm(ms);
    return () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      this.#pending.delete(timer);
    };
  }

  /** Cancels every pending callback and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}
