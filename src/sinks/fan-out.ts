import type { Span, SpanContext } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Target } from '../config/load.ts';
import type { Emit, ProbeEvent } from '../events/probe-event.ts';
import type { Metrics } from '../metrics/catalogue.ts';
import type { Exemplar } from '../metrics/observe.ts';
import { tracingActive } from '../tracing/setup.ts';
import { isExported } from '../tracing/tracer.ts';
import type { HistorySink } from './history.ts';
import { createLogSink } from './log.ts';
import type { MetricsSink } from './metrics.ts';
import { createTargetTracing, NO_TRACING } from './tracing.ts';

/** What a target's pipeline needs to know of its kind. */
export interface PipelineTraits {
  mode: 'cycle' | 'session';
  botTurns: boolean;
  audio: boolean;
}

/** The exporter-wide sinks every target's pipeline writes to. */
export interface Sinks {
  metrics: MetricsSink;
  history: HistorySink;
  logger: Logger;
  /** The catalogue, for counting a sink's own failures. */
  catalogue: Metrics;
}

/**
 * One target's event pipeline: every event goes to each sink once, in a fixed order. The tracing
 * sink opens the spans an event starts; the metrics sink records the event with that span as
 * its exemplar; the history and the log take their copy; then the tracing sink ends the spans
 * the event closes. A sink that throws is counted (`internal_errors_total{source="sink"}`) and
 * logged; the others, and the prober that emitted, carry on.
 */
export function createPipeline(
  target: Target,
  traits: PipelineTraits,
  traceAttributes: Attributes,
  sinks: Sinks,
): Emit {
  const tracing = tracingActive()
    ? createTargetTracing(target, traceAttributes, { audio: traits.audio })
    : NO_TRACING;
  const metrics = sinks.metrics.addTarget(target, traits);
  const history = sinks.history.addTarget(target, traits.mode);
  const log = createLogSink(sinks.logger, target);
  const failed = (sink: string, event: ProbeEvent, error: unknown) => {
    sinks.catalogue.internalErrors.inc({ source: 'sink' });
    sinks.logger.error(
      { err: error, target: target.name, sink, event: event.type },
      'a sink failed on an event; this is a bug',
    );
  };
  return (event) => {
    let span: Span | undefined;
    try {
      span = tracing.enter(event);
    } catch (error) {
      failed('tracing', event, error);
    }
    try {
      metrics(event, exemplarOf(span));
    } catch (error) {
      failed('metrics', event, error);
    }
    try {
      history(event);
    } catch (error) {
      failed('history', event, error);
    }
    try {
      log(event);
    } catch (error) {
      failed('log', event, error);
    }
    try {
      tracing.leave(event);
    } catch (error) {
      failed('tracing', event, error);
    }
  };
}

/** One label object per span, not one per observation (audio observes every frame). */
const exemplars = new WeakMap<SpanContext, Exemplar>();

/** The exemplar labels of a span, or none when there is no span or it is not sampled. */
export function exemplarOf(span: Span | undefined): Exemplar | undefined {
  const spanContext = span?.spanContext();
  if (spanContext === undefined || !isExported(spanContext)) return undefined;
  let labels = exemplars.get(spanContext);
  if (labels === undefined) {
    labels = Object.freeze({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    exemplars.set(spanContext, labels);
  }
  return labels;
}
