import { z } from 'zod';
import { MAX_DELAY_MS } from '../defaults.ts';

/** A configurable delay in whole milliseconds, at most {@link MAX_DELAY_MS}. */
export const delayMsSchema = z.int().min(0).max(MAX_DELAY_MS);

/** A delay distribution on the wire: `{fixed_ms, random_ms}`. */
export const delayDistributionSchema = z.strictObject({
  fixed_ms: delayMsSchema,
  random_ms: delayMsSchema,
});

/** A delay distribution: `fixed_ms` plus a uniform integer in [0, `random_ms`]. */
export interface DelayDistribution {
  fixed_ms: number;
  random_ms: number;
}

/**
 * A distribution that never delays, the default of every delay fault. A new object each time:
 * copies of the fault state must not share one object between fields.
 */
export function noDelay(): Readonly<DelayDistribution> {
  return Object.freeze({ fixed_ms: 0, random_ms: 0 });
}

/** Draws one whole-millisecond delay from `distribution`. */
export function drawDelay(distribution: DelayDistribution, random: () => number): number {
  const { fixed_ms, random_ms } = distribution;
  return fixed_ms + (random_ms > 0 ? Math.floor(random() * (random_ms + 1)) : 0);
}

/** Draws from an exponential distribution with the given mean (ms). */
export function drawExponential(meanMs: number, random: () => number): number {
  // 1 - random() is in (0, 1], so the logarithm is finite.
  return -meanMs * Math.log(1 - random());
}
