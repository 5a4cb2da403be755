import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DelayScheduler } from '../../../src/simulator/core/delay-scheduler.ts';

describe('DelayScheduler', () => {
  it('never calls back before the full delay has passed', async () => {
    const scheduler = new DelayScheduler();
    const started = performance.now();
    const elapsed = await Promise.all(
      [1, 5, 20, 33].map(
        (ms) =>
          new Promise<[number, number]>((resolve) => {
            scheduler.schedule(ms, () => {
              resolve([ms, performance.now() - started]);
            });
          }),
      ),
    );
    for (const [ms, took] of elapsed) expect(took).toBeGreaterThanOrEqual(ms);
    expect(scheduler.size).toBe(0);
  });

  it('cancels one callback, or all of them on close', async () => {
    const scheduler = new DelayScheduler();
    const calls: string[] = [];
    const cancel = scheduler.schedule(5, () => calls.push('cancelled'));
    scheduler.schedule(5, () => calls.push('closed'));
    cancel();
    expect(scheduler.size).toBe(1);
    scheduler.close();
    scheduler.schedule(1, () => calls.push('after close'));
    expect(scheduler.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);
  });
});
