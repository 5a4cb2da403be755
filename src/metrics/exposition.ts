import type { OpenMetricsContentType, Registry } from 'prom-client';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * Renders the one set of metrics in either exposition format. prom-client renames counters in
 * place when it renders OpenMetrics (`x_total` → `x`, it appends `_total` per sample), which
 * would leave the Prometheus text format with counters missing their `_total`. So renders are
 * serialised and each Prometheus render first restores the counter names.
 */
export class Exposition {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registries: {
      prometheus: Registry;
      openMetrics: Registry<OpenMetricsContentType>;
    },
  ) {}

  render(format: ExpositionFormat): Promise<{ contentType: string; body: string }> {
    const next = this.queue.then(() => this.renderNow(format));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async renderNow(
    format: ExpositionFormat,
  ): Promise<{ contentType: string; body: string }> {
    const registry =
      format === 'openmetrics' ? this.registries.openMetrics : this.registries.prometheus;
    if (format === 'prometheus') {
      for (const metric of registry.getMetricsAsArray() as unknown as {
        type: string;
        name: string;
      }[]) {
        if (metric.type === 'counter' && !metric.name.endsWith('_total'))
          metric.name = `${metric.name}_total`;
      }
    }
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}
