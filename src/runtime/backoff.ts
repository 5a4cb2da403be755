import type { BackoffSettings } from '../kinds/kind.ts';

/**
 * Capped exponential back-off with full jitter (delay drawn uniformly from [0, cap]): when many
 * sessions drop at once — a firewall flush, a platform restart — their reconnects spread over
 * the window instead of arriving together.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call widens the window. */
  next(): number {
    const cap = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * cap);
  }

  /**
   * The delay before a planned reconnect of a session that did not last: at least half the
   * current window ("equal jitter"), so a server that keeps announcing its close cannot pull us
   * into a reconnect storm, however the dice fall.
   */
  nextWithFloor(): number {
    const cap = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(cap / 2 + (this.random() * cap) / 2);
  }

  /** Called when a session ends: one that lived long enough starts the back-off over. */
  sessionEnded(livedMs: number): void {
    if (livedMs >= this.settings.stableAfterMs) this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
