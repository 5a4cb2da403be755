import type { Histogram, ObserveDataWithExemplar } from 'prom-client';

/** OpenMetrics exemplar labels linking an observation to its trace. */
export type Exemplar = Readonly<{ trace_id: string; span_id: string }>;

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Observes a histogram value, with `exemplar` (the span the observation belongs to) when given.
 *
 * prom-client's `enableExemplars` histograms only accept the object form of `observe`; the
 * positional form would throw. Histograms without exemplars keep the positional form, so this
 * works for both. An observation without an exemplar passes an empty exemplar label set, which
 * prom-client skips: the bucket keeps its previous exemplar, and nothing invalid is rendered.
 * Exemplars only ever appear in the OpenMetrics rendering.
 */
export function observe<T extends string>(
  histogram: Histogram<T>,
  labels: Labels<T>,
  value: number,
  exemplar: Exemplar | undefined,
): void {
  if (!(histogram as unknown as { enableExemplars: boolean }).enableExemplars) {
    histogram.observe(labels, value);
    return;
  }
  // prom-client types exemplar labels like the metric's own labels; they are a separate set.
  const exemplarLabels = (exemplar ?? NONE) as Labels<T>;
  histogram.observe({ labels, value, exemplarLabels });
}

type Labels<T extends string> = NonNullable<ObserveDataWithExemplar<T>['labels']>;
