import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, type BackoffSettings } from '../../src/kinds/kind.ts';
import { Backoff } from '../../src/runtime/backoff.ts';

const SETTINGS: BackoffSettings = { initialMs: 1_000, maxMs: 8_000, stableAfterMs: 60_000 };
/** The largest value `Math.random` can return: the top edge of full jitter. */
const ALMOST_ONE = 1 - Number.EPSILON;

function draws(backoff: Backoff, count: number, draw: 'next' | 'nextWithFloor' = 'next'): number[] {
  return Array.from({ length: count }, () => backoff[draw]());
}

describe('Backoff', () => {
  it('doubles the window from initial to max, drawing delay = floor(random × window)', () => {
    expect(draws(new Backoff(SETTINGS, () => 0.5), 6)).toEqual([
      500, 1_000, 2_000, 4_000, 4_000, 4_000,
    ]);
    expect(draws(new Backoff(SETTINGS, () => 0.3), 5)).toEqual([300, 600, 1_200, 2_400, 2_400]);
  });

  it('never reaches the window: random ~1 gives window − 1, capped at max', () => {
    expect(draws(new Backoff(SETTINGS, () => ALMOST_ONE), 6)).toEqual([
      999, 1_999, 3_999, 7_999, 7_999, 7_999,
    ]);
  });

  it('draws 0 when random is 0, however wide the window (full jitter)', () => {
    expect(draws(new Backoff(SETTINGS, () => 0), 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts attempts, saturating so the window stays finite however long the outage', () => {
    const backoff = new Backoff(
      { initialMs: 1, maxMs: 2 ** 40, stableAfterMs: 1 },
      () => ALMOST_ONE,
    );
    expect(backoff.attempts).toBe(0);
    draws(backoff, 3);
    expect(backoff.attempts).toBe(3);
    const late = draws(backoff, 2_000);
    expect(backoff.attempts).toBe(30);
    // The window stops at initial × 2^30: no Infinity, no NaN, no overflow past max.
    expect(late.at(-1)).toBe(2 ** 30 - 1);
    expect(late.every((delay) => Number.isFinite(delay) && delay < 2 ** 30)).toBe(true);
  });

  it('nextWithFloor waits at least half the window and widens it like next()', () => {
    expect(draws(new Backoff(SETTINGS, () => 0), 5, 'nextWithFloor')).toEqual([
      500, 1_000, 2_000, 4_000, 4_000,
    ]);
    expect(draws(new Backoff(SETTINGS, () => ALMOST_ONE), 5, 'nextWithFloor')).toEqual([
      999, 1_999, 3_999, 7_999, 7_999,
    ]);
    expect(draws(new Backoff(SETTINGS, () => 0.5), 2, 'nextWithFloor')).toEqual([750, 1_500]);
    // Mixed with next(): both draw from, and widen, the same window.
    const backoff = new Backoff(SETTINGS, () => 0);
    expect([backoff.next(), backoff.nextWithFloor(), backoff.next()]).toEqual([0, 1_000, 0]);
    expect(backoff.attempts).toBe(3);
  });

  it('starts over only after a session that lived at least stableAfter', () => {
    const backoff = new Backoff(SETTINGS, () => 0.5);
    draws(backoff, 3);
    backoff.sessionEnded(SETTINGS.stableAfterMs - 1);
    expect(backoff.attempts).toBe(3);
    expect(backoff.next()).toBe(4_000);
    backoff.sessionEnded(SETTINGS.stableAfterMs);
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(500);
    backoff.sessionEnded(10 * SETTINGS.stableAfterMs);
    expect(backoff.next()).toBe(500);
  });

  it('uses Math.random by default, within the default window', () => {
    const backoff = new Backoff(DEFAULT_BACKOFF);
    for (let index = 0; index < 20; index++) {
      const cap = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.initialMs * 2 ** index);
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(cap);
      expect(Number.isInteger(delay)).toBe(true);
    }
  });
});
