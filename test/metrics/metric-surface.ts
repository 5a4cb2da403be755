import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';

/**
 * The committed list of every metric family cxprobe exports — name, type and label keys — one
 * per line as `name type key1,key2`. Restructuring must leave it unchanged; a deliberate change
 * to the catalogue regenerates it with `UPDATE_METRIC_SURFACE=1 npx vitest run test/metrics`.
 */
export const METRIC_SURFACE_FILE = path.join(import.meta.dirname, 'metric-surface.txt');

export interface MetricFamily {
  name: string;
  type: string;
  labels: string[];
}

export function formatSurface(families: MetricFamily[]): string {
  return (
    [...families]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((family) => `${family.name} ${family.type} ${[...family.labels].sort().join(',')}`)
      .join('\n') + '\n'
  );
}

export function readSurface(): MetricFamily[] {
  return readFileSync(METRIC_SURFACE_FILE, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', type = '', labels = ''] = line.split(' ');
      return { name, type, labels: labels === '' ? [] : labels.split(',') };
    });
}

/** What a registry declares: every metric with its type and declared label names. */
export function declaredSurface(registry: Registry): MetricFamily[] {
  return registry.getMetricsAsArray().map((metric) => {
    const declared = metric as unknown as { name: string; type: string; labelNames?: string[] };
    return { name: declared.name, type: declared.type, labels: declared.labelNames ?? [] };
  });
}

/**
 * What a text exposition shows: the `# TYPE` of every family and the label keys its samples use
 * (`le` and `quantile` belong to the type, not the family).
 */
export function exposedSurface(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const ownerOf = (sample: string): MetricFamily | undefined => {
    for (const suffix of ['', '_bucket', '_sum', '_count', '_total', '_created']) {
      if (suffix !== '' && !sample.endsWith(suffix)) continue;
      const family = families.get(sample.slice(0, sample.length - suffix.length));
      if (family !== undefined) return family;
    }
    return undefined;
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type !== null) {
      families.set(type[1] ?? '', { name: type[1] ?? '', type: type[2] ?? '', labels: [] });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s/.exec(line);
    if (sample === null) continue;
    const family = ownerOf(sample[1] ?? '');
    if (family === undefined) continue;
    for (const pair of (sample[2] ?? '').matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)) {
      const key = pair[1] ?? '';
      if (key !== 'le' && key !== 'quantile' && !family.labels.includes(key))
        family.labels.push(key);
    }
  }
  return [...families.values()];
}
