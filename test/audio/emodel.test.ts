import { describe, expect, it } from 'vitest';
import {
  delayImpairment,
  effectiveEquipmentImpairment,
  G711_NO_PLC,
  G711_PLC,
  mos,
  oneWayDelayEstimateMs,
  R_DEFAULT,
  rFactor,
} from '../../src/audio/emodel.ts';

// Reference values: voice-metrics.md §4.1 and §4.3 (computed from the G.107 formulas).

describe('E-model R factor (ITU-T G.107)', () => {
  it('is 93.2 at zero delay and zero loss, MOS 4.409', () => {
    const r = rFactor({ oneWayDelayMs: 0, lossPercent: 0 });
    expect(r).toBe(R_DEFAULT);
    expect(r).toBe(93.2);
    expect(Math.abs(mos(r) - 4.409)).toBeLessThanOrEqual(0.001);
  });

  it.each([
    [0, 0],
    [100, 0],
    [150, 0.16],
    [200, 3.04],
    [300, 14.76],
    [400, 24.07],
  ])('Idd at %i ms one-way = %d', (ta, idd) => {
    expect(Math.abs(delayImpairment(ta) - idd)).toBeLessThanOrEqual(0.01);
  });

  it('lowers R by Idd at zero loss', () => {
    expect(rFactor({ oneWayDelayMs: 300, lossPercent: 0 })).toBeCloseTo(93.2 - 14.76, 1);
  });

  it.each([
    ['G.711 PLC', G711_PLC.bpl, 1, 89.6, 4.33],
    ['G.711 PLC', G711_PLC.bpl, 2, 86.2, 4.23],
    ['G.711 PLC', G711_PLC.bpl, 5, 77.4, 3.92],
    ['G.711 no PLC', G711_NO_PLC.bpl, 1, 75.3, 3.83],
    ['G.711 no PLC', G711_NO_PLC.bpl, 2, 63.0, 3.26],
    ['G.711 no PLC', G711_NO_PLC.bpl, 5, 42.1, 2.17],
  ])('%s (Bpl %d) at %i %% random loss → R %d, MOS %d', (_name, bpl, loss, r, expectedMos) => {
    const rating = rFactor({ oneWayDelayMs: 0, lossPercent: loss, bpl, ie: 0 });
    expect(Math.abs(rating - r)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(mos(rating) - expectedMos)).toBeLessThanOrEqual(0.05);
  });

  it('defaults to G.711 with PLC and random loss', () => {
    expect(rFactor({ oneWayDelayMs: 0, lossPercent: 2 })).toBe(
      rFactor({ oneWayDelayMs: 0, lossPercent: 2, burstRatio: 1, ie: 0, bpl: 25.1 }),
    );
  });

  it('penalises bursty loss more than random loss at the same rate (eq. 7-29)', () => {
    const random = effectiveEquipmentImpairment({ lossPercent: 5, burstRatio: 1 });
    const bursty = effectiveEquipmentImpairment({ lossPercent: 5, burstRatio: 3 });
    expect(random).toBeCloseTo((95 * 5) / (5 + 25.1), 10);
    expect(bursty).toBeCloseTo((95 * 5) / (5 / 3 + 25.1), 10);
    expect(bursty).toBeGreaterThan(random);
  });

  it.each([
    [{ oneWayDelayMs: -1, lossPercent: 0 }],
    [{ oneWayDelayMs: 0, lossPercent: 101 }],
    [{ oneWayDelayMs: 0, lossPercent: -0.1 }],
    [{ oneWayDelayMs: 0, lossPercent: 1, burstRatio: 0 }],
    [{ oneWayDelayMs: 0, lossPercent: 1, bpl: 0 }],
    [{ oneWayDelayMs: Number.NaN, lossPercent: 0 }],
  ])('rejects out-of-range input %j', (input) => {
    expect(() => rFactor(input)).toThrow(RangeError);
  });
});

describe('MOS (G.107 Annex B)', () => {
  it.each([
    [-20, 1],
    [0, 1],
    [100, 4.5],
    [120, 4.5],
  ])('R %d → MOS %d', (r, expected) => {
    expect(mos(r)).toBeCloseTo(expected, 10);
  });

  it('never falls below 1 where the polynomial dips (0 < R < 6.5)', () => {
    expect(mos(1)).toBe(1);
    expect(mos(6)).toBe(1);
    expect(mos(7)).toBeGreaterThan(1);
  });

  it('never decreases over 0–100', () => {
    let previous = mos(0);
    for (let r = 0.5; r <= 100; r += 0.5) {
      expect(mos(r)).toBeGreaterThanOrEqual(previous);
      previous = mos(r);
    }
  });

  it('rejects NaN', () => {
    expect(() => mos(Number.NaN)).toThrow(RangeError);
  });
});

describe('oneWayDelayEstimateMs', () => {
  it('is RTT/2 + buffer + packetisation + codec', () => {
    expect(oneWayDelayEstimateMs({ rttMs: 80, jitterBufferMs: 60 })).toBe(120);
    expect(
      oneWayDelayEstimateMs({ rttMs: 80, jitterBufferMs: 60, packetisationMs: 200, codecMs: 5 }),
    ).toBe(305);
  });

  it('rejects negative inputs', () => {
    expect(() => oneWayDelayEstimateMs({ rttMs: -1, jitterBufferMs: 0 })).toThrow(RangeError);
  });
});
