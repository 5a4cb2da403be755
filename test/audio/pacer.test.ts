import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createFramePacer,
  createIntervalPacer,
  type PacedFrame,
  type PacerOptions,
} from '../../src/audio/pacer.ts';

describe('createFramePacer with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends frame n at start + n × 20 ms with zero lateness', () => {
    const frames: PacedFrame[] = [];
    const pacer = createFramePacer({ frameMs: 20, onFrame: (frame) => frames.push(frame) });
    const start = performance.now();
    pacer.start();
    expect(frames).toHaveLength(0); // never synchronously from start()
    vi.advanceTimersByTime(1000);
    pacer.stop();
    expect(frames).toHaveLength(51); // frames 0..50 at 0, 20, …, 1000 ms
    frames.forEach((frame, n) => {
      expect(frame.index).toBe(n);
      expect(frame.deadlineMs).toBe(start + n * 20);
      expect(frame.sentAtMs).toBe(frame.deadlineMs);
      expect(frame.latenessSeconds).toBe(0);
    });
    expect(pacer.framesSent).toBe(51);
  });

  it('reports lateness after a stall, sends every overdue frame and stays on the grid', () => {
    // `skew` stands for time lost while the event loop was blocked inside onFrame.
    let skew = 0;
    const frames: PacedFrame[] = [];
    const pacer = createFramePacer({
      frameMs: 20,
      now: () => performance.now() + skew,
      onFrame: (frame) => {
        frames.push(frame);
        if (frame.index === 3) skew += 50;
      },
    });
    const start = performance.now();
    pacer.start();
    vi.advanceTimersByTime(200);
    pacer.stop();
    const byIndex = (n: number): PacedFrame => frames[n] ?? expect.fail(`frame ${n} not sent`);
    // Frame 3 (due 60 ms) blocked for 50 ms: frame 4 (due 80) goes at 110, frame 5 (due 100)
    // right after it, and frame 6 is due at 120 as if nothing had happened. (The fake
    // setImmediate advances the fake clock by 1 ms each, hence the loose match.)
    expect(byIndex(4).latenessSeconds).toBeCloseTo(0.03, 2);
    expect(byIndex(5).latenessSeconds).toBeCloseTo(0.01, 2);
    expect(byIndex(6).latenessSeconds).toBe(0);
    frames.forEach((frame, n) => {
      expect(frame.index).toBe(n);
      expect(frame.deadlineMs).toBe(start + n * 20);
      expect(frame.latenessSeconds).toBeGreaterThanOrEqual(0);
    });
  });

  it('stops from inside onFrame and leaves no timer behind', () => {
    const onFrame = vi.fn((frame: PacedFrame) => {
      if (frame.index === 4) pacer.stop();
    });
    const pacer = createFramePacer({ frameMs: 20, onFrame });
    pacer.start();
    expect(pacer.running).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(onFrame).toHaveBeenCalledTimes(5);
    expect(pacer.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    pacer.stop(); // idempotent
  });

  it('stop() from outside clears the pending timer', () => {
    const pacer = createFramePacer({ frameMs: 200, onFrame: () => undefined });
    pacer.start();
    vi.advanceTimersByTime(450);
    pacer.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(pacer.framesSent).toBe(3);
  });

  it('routes an onFrame exception to onError and stops', () => {
    const onError = vi.fn();
    const pacer = createFramePacer({
      frameMs: 20,
      onFrame: (frame) => {
        if (frame.index === 2) throw new Error('socket gone');
      },
      onError,
    });
    pacer.start();
    vi.advanceTimersByTime(200);
    expect(onError).toHaveBeenCalledWith(new Error('socket gone'));
    expect(pacer.running).toBe(false);
    expect(pacer.framesSent).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses a second start and a bad frame duration', () => {
    const pacer = createFramePacer({ frameMs: 20, onFrame: () => undefined });
    pacer.start();
    expect(() => {
      pacer.start();
    }).toThrow(/already started/);
    pacer.stop();
    expect(() => createFramePacer({ frameMs: 0, onFrame: () => undefined })).toThrow(RangeError);
  });
});

describe('createIntervalPacer (naive, for the benchmark)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has the same interface and measures frame n against the first tick + n × frameMs', () => {
    const frames: PacedFrame[] = [];
    const pacer = createIntervalPacer({ frameMs: 20, onFrame: (frame) => frames.push(frame) });
    const start = performance.now();
    pacer.start();
    vi.advanceTimersByTime(100);
    expect(pacer.running).toBe(true);
    pacer.stop();
    expect(pacer.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(frames.map((frame) => frame.deadlineMs)).toEqual(
      [20, 40, 60, 80, 100].map((t) => start + t),
    );
    expect(frames.every((frame) => frame.latenessSeconds === 0)).toBe(true);
  });
});

describe('createFramePacer in real time', () => {
  it('keeps the deadline arithmetic exact and reports lateness for every frame', async () => {
    const frames: PacedFrame[] = [];
    let startedAt = 0;
    await new Promise<void>((resolve) => {
      const options: PacerOptions = {
        frameMs: 20,
        onFrame: (frame) => {
          frames.push(frame);
          if (frame.index === 9) {
            pacer.stop();
            resolve();
          }
        },
      };
      const pacer = createFramePacer(options);
      startedAt = performance.now();
      pacer.start();
    });
    expect(frames).toHaveLength(10);
    // No assertion on speed: only that deadlines sit on the grid and lateness is reported.
    const origin = (frames[0]?.deadlineMs ?? 0) - 0;
    expect(origin).toBeGreaterThanOrEqual(startedAt);
    frames.forEach((frame, n) => {
      expect(frame.deadlineMs).toBeCloseTo(origin + n * 20, 9);
      expect(frame.sentAtMs).toBeGreaterThanOrEqual(frame.deadlineMs);
      expect(frame.latenessSeconds).toBeCloseTo((frame.sentAtMs - frame.deadlineMs) / 1000, 12);
    });
  });
});
