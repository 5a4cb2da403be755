import { describe, expect, it } from 'vitest';
import { ProbeHistory } from '../../src/sinks/history.ts';

function record(target: string, success: boolean) {
  return {
    target,
    kind: 'http',
    startedAt: 0,
    lines: [],
    result: {
      success,
      reason: success ? ('success' as const) : ('timeout' as const),
      durationSeconds: 0.1,
    },
  };
}

describe('ProbeHistory', () => {
  it('keeps the last N probes and, beyond them, up to N older failures', () => {
    const history = new ProbeHistory(3);
    history.add(record('a', false));
    history.add(record('a', true));
    for (let index = 0; index < 5; index++) history.add(record('b', true));
    const listed = history.list();
    expect(listed.map((entry) => entry.id)).toEqual([6, 5, 4, 0]);
    expect(history.get(0)?.result.success).toBe(false);
    expect(history.get(1)).toBeUndefined();
  });

  it('bounds the kept failures too', () => {
    const history = new ProbeHistory(2);
    for (let index = 0; index < 10; index++) history.add(record('a', false));
    expect(history.list()).toHaveLength(4);
  });

  it('finds the newest record of a target', () => {
    const history = new ProbeHistory(5);
    history.add(record('a', true));
    history.add(record('b', true));
    history.add(record('a', false));
    expect(history.latest('a')?.id).toBe(2);
  });
});
