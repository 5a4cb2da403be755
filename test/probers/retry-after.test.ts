import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from '../../src/probers/http/retry-after.ts';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('parseRetryAfterMs', () => {
  it.each([
    ['7', 7_000],
    ['0', 0],
    [' 120 ', 120_000],
    ['3600', 3_600_000],
  ])('delay-seconds %j → %i ms', (header, ms) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(ms);
  });

  it('reads an IMF-fixdate relative to now', () => {
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('reads the obsolete RFC 850 date form', () => {
    expect(parseRetryAfterMs('Sunday, 01-Jun-25 12:01:00 GMT', NOW)).toBe(60_000);
  });

  it('clamps a date in the past to 0', () => {
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it.each([undefined, '', '   ', 'soon', '-5', '1.5', '1,5', '7s', '+30'])(
    'ignores an absent or unreadable header %j',
    (header) => {
      expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
    },
  );

  it.each(['86400', '99999999999', String(2 ** 53), 'Fri, 31 Dec 9999 23:59:59 GMT'])(
    'caps an absurd deferral %j at an hour, never past the timer limit',
    (header) => {
      expect(parseRetryAfterMs(header, NOW)).toBe(3_600_000);
    },
  );

  it('uses the current time by default', () => {
    const inOneMinute = new Date(Date.now() + 61_000).toUTCString();
    const ms = parseRetryAfterMs(inOneMinute);
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(61_000);
  });
});
