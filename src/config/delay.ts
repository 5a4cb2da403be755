import { MAX_TIMER_MS } from './duration.ts';

/**
 * Bounds on every delay cxprobe arms. Node turns a `setTimeout` longer than 2^31−1 ms into 1 ms,
 * so an unbounded delay is not "very late" but "at once, again and again": a flood against the
 * target. Configured durations are rejected above `MAX_TIMER_MS` (src/config/schema.ts); delays a
 * peer asks for (Retry-After, a planned reconnect) are clamped to `MAX_PEER_DEFERRAL_MS` here.
 */

export { MAX_TIMER_MS };

/**
 * The longest a peer may make us wait before the next probe (Retry-After and the like): one
 * hour. A monitor that honoured "retry in three years" would stop monitoring; an hour keeps the
 * target rate-limited as asked while it stays visible on the dashboards.
 */
export const MAX_PEER_DEFERRAL_MS = 3_600_000;

/** A delay safe to hand to `setTimeout`: finite, in [0, max]; NaN and negatives become 0. */
export function clampDelayMs(ms: number, maxMs: number = MAX_TIMER_MS): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, maxMs, MAX_TIMER_MS);
}
