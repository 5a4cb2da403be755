import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig, type Target } from '../../src/config/load.ts';
import type { ProbeEvent, ProbeResult } from '../../src/events/probe-event.ts';
import { createMetrics } from '../../src/metrics/catalogue.ts';
import type { Prober } from '../../src/probers/types.ts';
import { runCycle } from '../../src/runtime/cycle-runner.ts';
import { createPipeline } from '../../src/sinks/fan-out.ts';
import { HistorySink } from '../../src/sinks/history.ts';
import { MetricsSink } from '../../src/sinks/metrics.ts';

async function httpTarget(timeout = '200ms'): Promise<Target> {
  const config = await parseConfig(
    `targets: [{ name: api, kind: http, url: "http://127.0.0.1:9/", timeout: ${timeout}, interval: 1s }]`,
    'cycle.yml',
    {},
  );
  const target = config.targets[0];
  if (target === undefined) throw new Error('no target');
  return target;
}

/** A cycle kind's real pipeline, with the events, the process log and the catalogue to read. */
function pipeline(target: Target) {
  const metrics = createMetrics({ version: 'test', revision: 'test' });
  const history = new HistorySink(() => (text) => text.replaceAll('s3cret', '<redacted>'));
  const logged: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const sink = createPipeline(
    target,
    { mode: 'cycle', botTurns: false, audio: false },
    {},
    { metrics: new MetricsSink(metrics), history, logger, catalogue: metrics },
  );
  const events: ProbeEvent[] = [];
  const emit = (event: ProbeEvent) => {
    events.push(event);
    sink(event);
  };
  const counter = async (name: 'internalErrors' | 'probesTotal', labels: Record<string, string>) =>
    (await metrics[name].get()).values.find((value) =>
      Object.entries(labels).every(
        ([key, wanted]) => (value.labels as Record<string, unknown>)[key] === wanted,
      ),
    )?.value;
  return { emit, events, history, logged, counter };
}

const types = (events: ProbeEvent[]) => events.map((event) => event.type);

describe('the cycle runner', () => {
  it('turns a prober that throws into one internal result, counted and logged as a bug', async () => {
    const target = await httpTarget();
    const { emit, events, history, logged, counter } = pipeline(target);
    const prober: Prober = {
      probe: () => Promise.reject(new Error('parser blew up on s3cret')),
    };
    const result = await runCycle(target, prober, new AbortController().signal, emit);
    expect(result).toMatchObject({ success: false, reason: 'internal' });
    expect(types(events)).toEqual(['cycle_started', 'log', 'log', 'log', 'cycle_ended']);
    expect(await counter('internalErrors', { source: 'probe' })).toBe(1);
    expect(await counter('probesTotal', { result: 'internal' })).toBe(1);
    expect(logged.filter((line) => line.level === 50).map((line) => line.msg)).toEqual([
      'internal error while probing; this is a bug',
    ]);
    // The history shows the error, redacted, with the probe's own lines.
    const [record] = history.history.list();
    expect(record?.result.message).toBe('internal error: parser blew up on <redacted>');
    expect(record?.lines.map((line) => line.level)).toEqual(['info', 'error', 'error']);
  });

  it('abandons a prober that ignores its timeout, as a timeout', async () => {
    const target = await httpTarget('100ms');
    const { emit, events } = pipeline(target);
    const prober: Prober = { probe: () => new Promise<ProbeResult>(() => undefined) };
    const result = await runCycle(target, prober, new AbortController().signal, emit);
    expect(result).toMatchObject({
      success: false,
      reason: 'timeout',
      message: 'prober did not stop at its timeout',
    });
    expect(result?.durationSeconds).toBeGreaterThanOrEqual(1.1);
    expect(types(events).at(-1)).toBe('cycle_ended');
  });

  it('reports a run cut short by a stop as cancelled, with no verdict', async () => {
    const target = await httpTarget();
    const { emit, events, history, counter } = pipeline(target);
    const stop = new AbortController();
    const prober: Prober = {
      probe: ({ signal }) =>
        new Promise<ProbeResult>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve({ success: false, reason: 'timeout', durationSeconds: 0 });
          });
          stop.abort();
        }),
    };
    expect(await runCycle(target, prober, stop.signal, emit)).toBeUndefined();
    expect(types(events)).toEqual(['cycle_started', 'log', 'cycle_cancelled']);
    expect(history.history.list()).toEqual([]);
    expect(await counter('probesTotal', { result: 'timeout' })).toBeUndefined();
  });

  it('logs a failing target once per change of state, and its recovery', async () => {
    const target = await httpTarget();
    const { emit, logged } = pipeline(target);
    const outcomes: ProbeResult[] = [
      { success: false, reason: 'connection_refused', durationSeconds: 0 },
      { success: false, reason: 'connection_refused', durationSeconds: 0 },
      { success: false, reason: 'timeout', durationSeconds: 0 },
      { success: true, reason: 'success', durationSeconds: 0 },
      { success: true, reason: 'success', durationSeconds: 0 },
    ];
    for (const outcome of outcomes) {
      await runCycle(
        target,
        { probe: () => Promise.resolve(outcome) },
        new AbortController().signal,
        emit,
      );
    }
    expect(logged.map((line) => [line.level, line.msg, line.reason])).toEqual([
      [40, 'probe failing', 'connection_refused'],
      [40, 'probe failing', 'timeout'],
      [30, 'probe recovered', 'success'],
    ]);
  });
});
