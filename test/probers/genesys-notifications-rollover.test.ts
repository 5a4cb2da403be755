import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TIMER_MS,
  MAX_TRUSTED_LIFETIME_MS,
  rolloverDelay,
} from '../../src/probers/genesys-notifications-channel.ts';
import {
  tokenExpired,
  TOKEN_EXPIRY_SLACK_MS,
} from '../../src/probers/genesys-notifications-session.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-03T12:00:00.000Z');
const POLICY = { fallbackMs: 23 * HOUR, marginMs: HOUR };
const iso = (ms: number): string => new Date(ms).toISOString();

describe('rolloverDelay: the channel rollover comes from the expires the API returned', () => {
  it('rolls a 24 h channel over an hour before its expires', () => {
    expect(rolloverDelay(iso(NOW + 24 * HOUR), NOW, POLICY)).toEqual({
      delayMs: 23 * HOUR,
      from: 'expires',
    });
    // A channel created hours ago (say, reconnected) still rolls over from its own expires.
    expect(rolloverDelay(iso(NOW + 15 * HOUR), NOW, POLICY).delayMs).toBe(14 * HOUR);
  });

  it('caps the margin at a tenth of a short lifetime', () => {
    expect(rolloverDelay(iso(NOW + 10_000), NOW, POLICY)).toEqual({
      delayMs: 9_000,
      from: 'expires',
    });
  });

  it('accepts ISO-8601 with an offset and fractional seconds', () => {
    expect(rolloverDelay('2026-12-04T13:00:00.123456+01:00', NOW, POLICY).from).toBe('expires');
    expect(rolloverDelay('2026-12-04T12:00:00Z', NOW, POLICY).delayMs).toBe(23 * HOUR);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['not a date', 'tomorrow'],
    ['a date without a time', '2026-12-04'],
    ['a time without a zone', '2026-12-04T12:00:00'],
    ['a number', '1796400000000'],
    ['in the past', iso(NOW - 1_000)],
    ['right now', iso(NOW)],
    ['further than 48 h', iso(NOW + MAX_TRUSTED_LIFETIME_MS + 1)],
    ['far in the future', '9999-12-31T23:59:59Z'],
    ['an impossible date', '2026-13-45T99:99:99Z'],
  ])('falls back to channel_rollover when expires is %s', (_what, expires) => {
    expect(rolloverDelay(expires, NOW, POLICY)).toEqual({
      delayMs: 23 * HOUR,
      from: 'channel_rollover',
    });
  });

  it('never returns a timer Node would turn into 1 ms, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (expires, fallbackMs, marginMs) => {
          const { delayMs } = rolloverDelay(expires, NOW, { fallbackMs, marginMs });
          expect(Number.isInteger(delayMs)).toBe(true);
          expect(delayMs).toBeGreaterThanOrEqual(0);
          expect(delayMs).toBeLessThanOrEqual(MAX_TIMER_MS);
        },
      ),
    );
  });

  it('clamps a configured fallback beyond the timer range', () => {
    expect(rolloverDelay(undefined, NOW, { fallbackMs: 60 * 24 * HOUR, marginMs: HOUR })).toEqual({
      delayMs: MAX_TIMER_MS,
      from: 'channel_rollover',
    });
  });
});

describe('tokenExpired', () => {
  it('is false without a known expiry and true from just before it', () => {
    expect(tokenExpired(undefined, NOW)).toBe(false);
    expect(tokenExpired(NOW + TOKEN_EXPIRY_SLACK_MS + 1, NOW)).toBe(false);
    expect(tokenExpired(NOW + TOKEN_EXPIRY_SLACK_MS, NOW)).toBe(true);
    expect(tokenExpired(NOW - HOUR, NOW)).toBe(true);
  });
});
