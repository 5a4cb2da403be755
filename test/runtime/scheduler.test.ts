import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler, spreadOffsetMs, type ScheduledJob } from '../../src/runtime/scheduler.ts';

function job(name: string, intervalMs: number, run: ScheduledJob['run']): ScheduledJob {
  return { name, intervalMs, run };
}

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spreads first runs across the interval with a stable per-name offset', () => {
    const offsets = Array.from({ length: 200 }, (_, index) =>
      spreadOffsetMs(`target-${index}`, 10_000),
    );
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(10_000);
    // At most a fifth of the targets land in any one second of a 10 s interval.
    const perSecond = new Map<number, number>();
    for (const offset of offsets)
      perSecond.set(Math.floor(offset / 1000), (perSecond.get(Math.floor(offset / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThan(40);
    expect(spreadOffsetMs('target-1', 10_000)).toBe(offsets[1]);
  });

  it('runs a job every interval on the grid of its first run', async () => {
    const scheduler = new Scheduler();
    const starts: number[] = [];
    await scheduler.add(
      job('a', 1_000, () => {
        starts.push(Date.now());
        return Promise.resolve(undefined);
      }),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    const first = spreadOffsetMs('a', 1_000);
    expect(starts).toEqual(
      [first, first + 1_000, first + 2_000, first + 3_000, first + 4_000].filter((t) => t < 5_000),
    );
    await scheduler.stop();
  });

  it('never overlaps runs of one job and skips the slots an overrun missed', async () => {
    const scheduler = new Scheduler();
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = [];
    await scheduler.add(
      job('slow', 1_000, async (signal) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        starts.push(Date.now());
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 2_500);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
        running--;
        return undefined;
      }),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxRunning).toBe(1);
    const gaps = starts.slice(1).map((start, index) => start - (starts[index] ?? 0));
    expect(gaps.every((gap) => gap === 3_000)).toBe(true);
    await scheduler.stop();
  });

  it('does not run again before a Retry-After deadline', async () => {
    const scheduler = new Scheduler();
    const starts: number[] = [];
    await scheduler.add(
      job('limited', 1_000, () => {
        starts.push(Date.now());
        return Promise.resolve(
          starts.length === 1 ? { notBeforeMs: Date.now() + 7_500 } : undefined,
        );
      }),
    );
    await vi.advanceTimersByTimeAsync(12_000);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(7_500);
    expect(starts.length).toBeGreaterThan(2);
    await scheduler.stop();
  });

  it('caps a deferral past the timer limit at an hour instead of overflowing into 1 ms', async () => {
    const scheduler = new Scheduler();
    const starts: number[] = [];
    await scheduler.add(
      job('absurd', 1_000, () => {
        starts.push(Date.now());
        return Promise.resolve(
          starts.length === 1 ? { notBeforeMs: Date.now() + 1e15 } : undefined,
        );
      }),
    );
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(starts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(starts).toHaveLength(2);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeLessThanOrEqual(3_601_000);
    await scheduler.stop();
  });

  it('keeps scheduling after a run throws', async () => {
    const scheduler = new Scheduler();
    let runs = 0;
    await scheduler.add(
      job('flaky', 1_000, () => {
        runs++;
        return Promise.reject(new Error('boom'));
      }),
    );
    await vi.advanceTimersByTimeAsync(3_999);
    expect(runs).toBeGreaterThanOrEqual(3);
    await scheduler.stop();
  });

  it('aborts runs in flight on stop and waits for them', async () => {
    const scheduler = new Scheduler();
    let aborted = false;
    await scheduler.add(
      job(
        'long',
        1_000,
        (signal) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve(undefined);
            });
          }),
      ),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await scheduler.stop();
    expect(aborted).toBe(true);
    expect(scheduler.names()).toEqual([]);
    const pending = vi.getTimerCount();
    expect(pending).toBe(0);
  });
});
