import { trace, TraceFlags } from '@opentelemetry/api';
import { Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/catalogue.ts';
import { Exposition } from '../../src/metrics/exposition.ts';
import { observe } from '../../src/metrics/observe.ts';
import { exemplarOf } from '../../src/sinks/fan-out.ts';
import { startTracing, type Tracing } from '../../src/tracing/setup.ts';
import { tracer } from '../../src/tracing/tracer.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/tracing.ts';
import { parseExemplars } from '../support/exposition.ts';

const BUILD = { version: '0.0.0-test', revision: 'test' };

/** The lines of one metric family in a rendering. */
function family(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(name) || line.includes(` ${name} `));
}

describe('exemplars', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = await startTracing({
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      },
    });
  });
  afterAll(async () => {
    await tracing.shutdown();
    await receiver.close();
  });

  it('link an observation to the span it belongs to, in OpenMetrics only', async () => {
    const metrics = createMetrics(BUILD);
    const exposition = new Exposition(metrics.registries);
    const span = tracer().startSpan('observe');
    observe(metrics.httpDuration, { target: 't', phase: 'total' }, 0.042, exemplarOf(span));
    span.end();
    const { traceId, spanId } = span.spanContext();

    const open = (await exposition.render('openmetrics')).body;
    expect(parseExemplars(open)).toEqual([
      { metric: 'cxprobe_http_request_duration_seconds', traceId, spanId },
    ]);
    // The exemplar sits on the bucket the value falls in, with the value itself.
    expect(open).toMatch(
      new RegExp(
        `^cxprobe_http_request_duration_seconds_bucket\\{le="0.05",target="t",phase="total"\\} 1 # \\{trace_id="${traceId}",span_id="${spanId}"\\} 0.042 \\d+(\\.\\d+)?$`,
        'm',
      ),
    );
    const text = (await exposition.render('prometheus')).body;
    expect(text).not.toContain('trace_id');
  });

  it('leave the Prometheus text format exactly as without exemplars', async () => {
    const traced = createMetrics(BUILD);
    const plain = createMetrics(BUILD);
    const span = tracer().startSpan('compare');
    for (const [metrics, active] of [
      [traced, span],
      [plain, undefined],
    ] as const) {
      observe(metrics.wsPingRtt, { target: 't', layer: 'control' }, 0.012, exemplarOf(active));
      observe(
        metrics.audioDeviation,
        { target: 't', direction: 'inbound' },
        0.003,
        exemplarOf(active),
      );
    }
    span.end();
    for (const name of [
      'cxprobe_ws_ping_rtt_seconds',
      'cxprobe_audio_interarrival_deviation_seconds',
    ]) {
      const tracedText = (await new Exposition(traced.registries).render('prometheus')).body;
      const plainText = (await new Exposition(plain.registries).render('prometheus')).body;
      expect(family(tracedText, name).length).toBeGreaterThan(10);
      expect(family(tracedText, name)).toEqual(family(plainText, name));
    }
  });

  it('are absent without an active span, and never rendered empty', async () => {
    const metrics = createMetrics(BUILD);
    observe(metrics.botTurnDuration, { target: 't' }, 1.5, undefined);
    metrics.httpDuration.zero({ target: 't', phase: 'total' });
    const open = (await new Exposition(metrics.registries).render('openmetrics')).body;
    expect(open).toContain('cxprobe_bot_turn_duration_seconds_bucket{le="2",target="t"} 1');
    expect(open).not.toContain('# {');
    expect(parseExemplars(open)).toEqual([]);
  });

  it('skip spans that are not sampled (nothing to link to)', async () => {
    const metrics = createMetrics(BUILD);
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    observe(metrics.wsPingRtt, { target: 't', layer: 'application' }, 0.02, exemplarOf(unsampled));
    const open = (await new Exposition(metrics.registries).render('openmetrics')).body;
    expect(parseExemplars(open)).toEqual([]);
  });

  it('keep the positional form for histograms without exemplars', async () => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'plain_seconds',
      help: 'a histogram without exemplars',
      labelNames: ['target'] as const,
      registers: [registry],
    });
    const span = tracer().startSpan('plain');
    observe(histogram, { target: 't' }, 0.2, exemplarOf(span));
    span.end();
    expect(await registry.metrics()).toContain('plain_seconds_count{target="t"} 1');
  });
});
