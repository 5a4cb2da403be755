import { trace, type SpanContext } from '@opentelemetry/api';
import type { Histogram, ObserveDataWithExemplar } from 'prom-client';
import { isExported } from './tracer.ts';

/** OpenMetrics exemplar labels linking an observation to its trace. */
export type ExemplarLabels = Readonly<{ trace_id: string; span_id: string }>;

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** One label object per span, not one per observation (audio observes every frame). */
const cache = new WeakMap<SpanContext, ExemplarLabels>();

/** The exemplar labels of the active span, or none when no sampled span is active. */
export function activeExemplar(): ExemplarLabels | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isExported(spanContext)) return undefined;
  let labels = cache.get(spanContext);
  if (labels === undefined) {
    labels = Object.freeze({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
    cache.set(spanContext, labels);
  }
  return labels;
}

/**
 * Observes a histogram value, with the active span as its exemplar when there is one.
 *
 * prom-client's `enableExemplars` histograms only accept the object form of `observe`; the
 * positional form would throw. Histograms without exemplars keep the positional form, so this
 * works for both. An observation without an active span passes an empty exemplar label set,
 * which prom-client skips: the bucket keeps its previous exemplar, and nothing invalid is
 * rendered. Exemplars only ever appear in the OpenMetrics rendering.
 */
export function observe<T extends string>(
  histogram: Histogram<T>,
  labels: Labels<T>,
  value: number,
): void {
  if (!(histogram as unknown as { enableExemplars: boolean }).enableExemplars) {
    histogram.observe(labels, value);
    return;
  }
  // prom-client types exemplar labels like the metric's own labels; they are a separate set.
  const exemplarLabels = (activeExemplar() ?? NONE) as Labels<T>;
  histogram.observe({ labels, value, exemplarLabels });
}

type Labels<T extends string> = NonNullable<ObserveDataWithExemplar<T>['labels']>;
