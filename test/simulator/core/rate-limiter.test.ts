import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/simulator/core/rate-limiter.ts';

describe('RateLimiter', () => {
  it('allows perMinute requests, then says when the next one is allowed', () => {
    const limiter = new RateLimiter(60);
    for (let i = 0; i < 60; i++) expect(limiter.take('a', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // One token per second refills.
    expect(limiter.take('a', 1000)).toEqual({ allowed: true });
    expect(limiter.take('b', 1000)).toEqual({ allowed: true });
  });

  it('rounds Retry-After up to whole seconds', () => {
    const limiter = new RateLimiter(3);
    for (let i = 0; i < 3; i++) limiter.take('a', 0);
    expect(limiter.take('a', 500)).toEqual({ allowed: false, retryAfterSeconds: 20 });
    expect(limiter.take('a', 19_001)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('a', 20_000)).toEqual({ allowed: true });
  });

  it('rejects a non-positive limit', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
  });
});
