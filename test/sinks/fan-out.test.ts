import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeEvent } from '../../src/events/probe-event.ts';
import { createMetrics } from '../../src/metrics/catalogue.ts';
import { createPipeline } from '../../src/sinks/fan-out.ts';
import { HistorySink } from '../../src/sinks/history.ts';
import { MetricsSink, type MetricsHandler } from '../../src/sinks/metrics.ts';
import { RUNNER_TARGET, RunnerHarness } from '../runtime/runner-harness.ts';
import { ABNORMAL } from '../runtime/scripted-protocol.ts';

/** A real metrics sink whose handler throws on every event of one type (a bug in it). */
class BrokenMetricsSink extends MetricsSink {
  constructor(
    metrics: ReturnType<typeof createMetrics>,
    private readonly breaksOn: ProbeEvent['type'],
  ) {
    super(metrics);
  }

  override addTarget(...args: Parameters<MetricsSink['addTarget']>): MetricsHandler {
    const handler = super.addTarget(...args);
    return (event, exemplar) => {
      if (event.type === this.breaksOn) throw new Error(`metrics broke on ${event.type}`);
      handler(event, exemplar);
    };
  }
}

/** A session target's real pipeline whose metrics sink breaks on `breaksOn`. */
function brokenPipeline(breaksOn: ProbeEvent['type']) {
  const metrics = createMetrics({ version: 'test', revision: 'test' });
  const history = new HistorySink(() => (text) => text);
  const logged: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        logged.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const emit = createPipeline(
    RUNNER_TARGET,
    { mode: 'session', botTurns: false, audio: false },
    {},
    { metrics: new BrokenMetricsSink(metrics, breaksOn), history, logger, catalogue: metrics },
  );
  const sinkErrors = async () =>
    (await metrics.internalErrors.get()).values.find((value) => value.labels.source === 'sink')
      ?.value;
  return { emit, history, logged, sinkErrors };
}

describe('a target’s pipeline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // Formerly the runner guarded each report itself, and an `events.reconnecting` that always
  // threw escaped its loop (the target was never probed again). Now the runner's emit is this
  // pipeline, which contains a failing sink: the runner's schedule does not even notice.
  it.each(['connect_failed', 'closed', 'reconnecting'] as const)(
    'contains a sink that throws on every %s: the runner keeps its schedule, the failure is counted',
    async (breaksOn) => {
      const pipeline = brokenPipeline(breaksOn);
      const h = await RunnerHarness.started({ forward: pipeline.emit });
      await h.fail();
      await h.expectReconnect('handshake_failed', 500);
      await h.live(1_000, ABNORMAL);
      await h.expectReconnect('abnormal_closure', 1_000);
      await h.fail();
      await h.expectReconnect('handshake_failed', 2_000);
      // No `internal` failure of the runner's own: nothing reached it.
      expect(h.recorder.of('connect_failed').map(([reason]) => reason)).toEqual([
        'unauthorized',
        'unauthorized',
      ]);
      await h.stop();
      expect(h.escaped).toEqual([]);

      // Each throw counted and logged as a bug of that sink, once per event it broke on.
      const broken = h.recorder.events.filter((event) => event.type === breaksOn).length;
      expect(broken).toBeGreaterThan(0);
      expect(await pipeline.sinkErrors()).toBe(broken);
      expect(pipeline.logged).toHaveLength(broken);
      expect(pipeline.logged[0]).toMatchObject({
        msg: 'a sink failed on an event; this is a bug',
        target: RUNNER_TARGET.name,
        sink: 'metrics',
        event: breaksOn,
      });
      // The sinks after it still saw every event: the history has each attempt.
      expect(
        pipeline.history.history
          .list()
          .reverse()
          .map((record) => record.result.reason),
      ).toEqual(['unauthorized', 'abnormal_closure', 'unauthorized']);
    },
  );
});
