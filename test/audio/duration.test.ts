import { describe, expect, it } from 'vitest';
import { formatIsoDuration, parseIsoDuration } from '../../src/audio/duration.ts';
import { AudioDataError } from '../../src/audio/errors.ts';

describe('parseIsoDuration', () => {
  it.each([
    ['PT12.4S', 12.4],
    ['PT0.012S', 0.012],
    ['PT1M2.5S', 62.5],
    ['PT0S', 0],
    ['PT.5S', 0.5],
    ['PT1H', 3600],
    ['PT2M', 120],
    ['PT1H1M1S', 3661],
    ['PT86400S', 86400],
    ['PT0.000000001S', 1e-9],
  ])('%s → %d s', (text, seconds) => {
    expect(parseIsoDuration(text)).toBeCloseTo(seconds, 12);
  });

  it.each([
    '',
    'PT',
    'P',
    '12.4',
    'PT12.4',
    'PT12.4s',
    'pt12.4S',
    'P1D',
    'P1DT1S',
    'PT-1S',
    'PT+1S',
    'PT1.S',
    'PT1.5M',
    'PT1,5S',
    ' PT1S',
    'PT1S ',
    'PT1S1M',
    'PTS',
  ])('rejects %j with a clear error', (text) => {
    expect(() => parseIsoDuration(text)).toThrow(AudioDataError);
    expect(() => parseIsoDuration(text)).toThrow(/Invalid ISO-8601 duration .*expected PT/);
  });

  it('carries a stable error code', () => {
    try {
      parseIsoDuration('soon');
      expect.fail('should throw');
    } catch (error) {
      expect((error as AudioDataError).code).toBe('ERR_ISO_DURATION_INVALID');
    }
  });
});

describe('formatIsoDuration', () => {
  it.each([
    [12.4, 'PT12.4S'],
    [0.012, 'PT0.012S'],
    [0, 'PT0S'],
    [62.5, 'PT62.5S'],
    [100, 'PT100S'],
    [1e-9, 'PT0.000000001S'],
    [1e-12, 'PT0S'],
    [0.1 + 0.2, 'PT0.3S'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatIsoDuration(seconds)).toBe(text);
  });

  it.each([0, 0.02, 0.2, 12.4, 61.25, 3600.000001])('round-trips %d s', (seconds) => {
    expect(parseIsoDuration(formatIsoDuration(seconds))).toBeCloseTo(seconds, 9);
  });

  it.each([-1, Number.NaN, Infinity])('rejects %d', (seconds) => {
    expect(() => formatIsoDuration(seconds)).toThrow(RangeError);
  });
});
