import { describe, expect, it } from 'vitest';
import { burstRatio, PlayoutBuffer } from '../../src/audio/playout.ts';

const RATE = 8000;
const FRAME = 160; // 20 ms
const PTIME = 0.02;

/** Deterministic PRNG (mulberry32) so the loss patterns are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends `n` on-time frames with positions, dropping the indices in `dropped`. */
function withLoss(n: number, dropped: ReadonlySet<number>, depthMs?: number): PlayoutBuffer {
  const buffer = new PlayoutBuffer({ sampleRate: RATE, depthMs });
  for (let i = 0; i < n; i += 1) {
    if (!dropped.has(i)) buffer.onFrame(i * PTIME, FRAME, i * FRAME);
  }
  buffer.finish(n * FRAME);
  return buffer;
}

describe('PlayoutBuffer: frames missing outright', () => {
  it.each([
    [100, [] as number[], 0, 0, 0],
    [100, [10], 1, 1, 0.02],
    [100, [10, 11, 40, 77], 4, 3, 0.04],
    [100, [1, 3, 5, 7, 9], 5, 5, 0.02],
    [100, [97, 98, 99], 3, 1, 0.06],
    [50, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29], 10, 1, 0.2],
  ])('n=%i, dropping %j → lost %i in %i gap(s), longest %d s', (n, drop, lost, gaps, longest) => {
    const stats = withLoss(n, new Set(drop)).stats;
    expect(stats.lost).toBe(lost);
    expect(stats.late).toBe(0);
    expect(stats.frames).toBe(n - lost);
    expect(stats.expected).toBe(n);
    expect(stats.gaps).toBe(gaps);
    expect(stats.gapSeconds).toBeCloseTo(lost * PTIME, 12);
    expect(stats.longestGapSeconds).toBeCloseTo(longest, 12);
    expect(stats.lossRatio).toBeCloseTo(lost / n, 12);
  });

  it('reports the frames lost just before the frame that reveals the hole', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE });
    buffer.onFrame(0, FRAME, 0);
    const result = buffer.onFrame(3 * PTIME, FRAME, 3 * FRAME);
    expect(result).toMatchObject({ lostBefore: 2, late: false, duplicate: false });
  });

  it('ignores a repeated frame', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE });
    buffer.onFrame(0, FRAME, 0);
    buffer.onFrame(PTIME, FRAME, FRAME);
    expect(buffer.onFrame(PTIME, FRAME, FRAME).duplicate).toBe(true);
    expect(buffer.stats).toMatchObject({ frames: 2, duplicates: 1, lost: 0 });
  });

  it('measures positions from the first frame received, whatever its offset', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE });
    buffer.onFrame(5, FRAME, 80_000);
    expect(buffer.onFrame(5 + PTIME, FRAME, 80_000 + FRAME).dueSeconds).toBeCloseTo(5.08, 12);
    expect(buffer.stats.lost).toBe(0);
  });
});

describe('PlayoutBuffer: a TCP-style stall', () => {
  // Frames are sent every 20 ms and arrive at once, except that nothing gets through from
  // t = 1.005 s for `stallMs`; everything held back then arrives together (head-of-line).
  function stall(stallMs: number, depthMs: number, positions: boolean): PlayoutBuffer {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, depthMs });
    const from = 1.005;
    const until = from + stallMs / 1000;
    for (let i = 0; i < 150; i += 1) {
      const sent = i * PTIME;
      const arrival = sent >= from && sent < until ? until : sent;
      buffer.onFrame(arrival, FRAME, positions ? i * FRAME : undefined);
    }
    return buffer;
  }

  it.each([
    [60, 60, 0],
    [100, 60, 2],
    [200, 60, 7],
    [300, 60, 12],
    [100, 120, 0],
    [300, 120, 9],
  ])('a %i ms stall with a %i ms buffer → %i late frames in one gap', (stallMs, depth, late) => {
    for (const positions of [true, false]) {
      const stats = stall(stallMs, depth, positions).stats;
      expect(stats.late).toBe(late);
      expect(stats.lost).toBe(0);
      expect(stats.frames).toBe(150);
      expect(stats.gaps).toBe(late > 0 ? 1 : 0);
      expect(stats.gapSeconds).toBeCloseTo(late * PTIME, 12);
      expect(stats.longestGapSeconds).toBeCloseTo(late * PTIME, 12);
      expect(stats.lossRatio).toBeCloseTo(late / 150, 12);
    }
  });

  it('reports negative slack for a late frame', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, depthMs: 60 });
    buffer.onFrame(0, FRAME);
    const result = buffer.onFrame(0.1, FRAME);
    expect(result.late).toBe(true);
    expect(result.dueSeconds).toBeCloseTo(0.08, 12);
    expect(result.slackSeconds).toBeCloseTo(-0.02, 12);
  });

  it('joins late and missing frames that follow each other into one gap', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, depthMs: 60 });
    buffer.onFrame(0, FRAME, 0);
    buffer.onFrame(0.2, FRAME, FRAME); // late (due 0.08)
    buffer.onFrame(0.2, FRAME, 3 * FRAME); // frame 2 missing; this one late (due 0.12)
    buffer.onFrame(0.2, FRAME, 4 * FRAME); // late (due 0.14)
    buffer.onFrame(0.2, FRAME, 10 * FRAME); // due 0.26: on time, after frames 5–9 missing
    expect(buffer.stats).toMatchObject({ late: 3, lost: 6, gaps: 1, frames: 5, expected: 11 });
    expect(buffer.stats.longestGapSeconds).toBeCloseTo(9 * PTIME, 12);
  });
});

describe('burst ratio', () => {
  it.each([
    [0, 0, 100, 1],
    [5, 5, 1000, 0.995],
    [50, 10, 1000, 4.75],
    [100, 1, 100, 100],
  ])('%i loss events in %i runs of %i frames → %d', (events, runs, expected, ratio) => {
    expect(burstRatio(events, runs, expected)).toBeCloseTo(ratio, 10);
  });

  function simulate(lossStart: number, runLength: number): number {
    const next = random(42);
    const dropped = new Set<number>();
    const n = 50_000;
    for (let i = 0; i < n; i += 1) {
      if (next() < lossStart) for (let k = 0; k < runLength; k += 1) dropped.add(i + k);
    }
    return withLoss(n, dropped).stats.burstRatio;
  }

  it('is ≈ 1 for random loss', () => {
    const ratio = simulate(0.05, 1);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  it('is well above 1 for bursty loss at the same overall rate', () => {
    expect(simulate(0.01, 5)).toBeGreaterThan(3);
  });
});

describe('PlayoutBuffer options', () => {
  it('rejects a bad configuration or frame', () => {
    expect(() => new PlayoutBuffer({ sampleRate: 0 })).toThrow(RangeError);
    expect(() => new PlayoutBuffer({ sampleRate: RATE, depthMs: -1 })).toThrow(RangeError);
    expect(() => new PlayoutBuffer({ sampleRate: RATE, frameSamples: 0 })).toThrow(RangeError);
    expect(() => new PlayoutBuffer({ sampleRate: RATE }).onFrame(0, 0)).toThrow(RangeError);
  });

  it('uses frameSamples to count frames in a hole', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE, frameSamples: 80 });
    buffer.onFrame(0, FRAME, 0);
    buffer.onFrame(0.1, FRAME, 2 * FRAME);
    expect(buffer.stats.lost).toBe(2);
  });

  it('finish() before any frame does nothing', () => {
    const buffer = new PlayoutBuffer({ sampleRate: RATE });
    buffer.finish(8000);
    expect(buffer.stats).toMatchObject({ expected: 0, lossRatio: 0, burstRatio: 1 });
  });
});
