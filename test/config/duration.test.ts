import { describe, expect, it } from 'vitest';
import {
  durationTooLong,
  formatDurationMs,
  MAX_TIMER_MS,
  parseDurationMs,
} from '../../src/config/duration.ts';

describe('Prometheus durations', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1w2d3h4m5s6ms', 604_800_000 + 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_000 + 6],
  ])('reads %j as %i ms, with the units Prometheus accepts', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['15', '15sec', '1h1d', '1.5s', '-1s', '', 'd'])('refuses %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('formats back into the same units, largest first', () => {
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(8 * 86_400_000 + 1)).toBe('1w1d1ms');
    expect(parseDurationMs(formatDurationMs(MAX_TIMER_MS))).toBe(MAX_TIMER_MS);
  });

  it('names durations no Node.js timer can wait for', () => {
    expect(durationTooLong(MAX_TIMER_MS)).toBeUndefined();
    expect(durationTooLong(MAX_TIMER_MS + 1)).toMatch(/at most 3w3d20h31m23s647ms/);
    expect(durationTooLong(parseDurationMs('1200h') ?? 0)).toBeDefined();
  });
});
