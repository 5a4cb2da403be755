import { performance } from 'node:perf_hooks';

/** Outcome of {@link RateLimiter.take}. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** performance.now() of the last refill. */
  updatedAt: number;
}

/**
 * Token bucket per key (Genesys limits per OAuth client): `perMinute` requests fill the bucket,
 * which refills continuously at `perMinute` per 60 s.
 */
export class RateLimiter {
  readonly #capacity: number;
  /** Tokens per millisecond. */
  readonly #refillRate: number;
  readonly #buckets = new Map<string, Bucket>();

  /** @throws {RangeError} unless `perMinute` is a positive finite number. */
  constructor(perMinute: number) {
    if (!Number.isFinite(perMinute) || perMinute <= 0) {
      throw new RangeError(`rateLimitPerMinute must be a positive number, got ${perMinute}`);
    }
    this.#capacity = perMinute;
    this.#refillRate = perMinute / 60_000;
  }

  /**
   * Takes one token for `key`. When the bucket is empty the answer says how many whole seconds
   * (at least 1) until a request would be allowed, ready for a `Retry-After` header.
   */
  take(key: string, now = performance.now()): RateLimitDecision {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedAt: now };
    bucket.tokens = Math.min(
      this.#capacity,
      bucket.tokens + (now - bucket.updatedAt) * this.#refillRate,
    );
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = (1 - bucket.tokens) / this.#refillRate;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
