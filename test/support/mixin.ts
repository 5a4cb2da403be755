import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Histogram } from 'prom-client';
import { parse } from 'yaml';
import { createMetrics } from '../../src/metrics/catalogue.ts';

export const ROOT = path.join(import.meta.dirname, '../..');

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a real binary (promtool, amtool) and collects its exit code and combined output. */
export function run(command: string, args: readonly string[], cwd = ROOT): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error === null) {
        resolve({ code: 0, output });
      } else if (typeof error.code === 'number') {
        resolve({ code: error.code, output });
      } else {
        reject(new Error(`${command} could not run (${error.message}); is it installed?`));
      }
    });
  });
}

export async function readYaml(relative: string): Promise<unknown> {
  // `merge`: docker-compose.yml shares the cxprobe image settings through a `<<:` merge key.
  return parse(await readFile(path.join(ROOT, relative), 'utf8'), { merge: true }) as unknown;
}

export interface CatalogueMetric {
  name: string;
  labels: readonly string[];
  histogram: boolean;
}

let catalogue: Map<string, CatalogueMetric> | undefined;

/** Every metric of src/metrics/catalogue.ts, cxprobe's and the process defaults. */
export function metricCatalogue(): Map<string, CatalogueMetric> {
  if (catalogue !== undefined) return catalogue;
  const metrics = createMetrics({ version: 'test', revision: 'test' });
  catalogue = new Map();
  for (const metric of metrics.registries.prometheus.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
    catalogue.set(name, {
      name,
      labels: labelNames ?? [],
      histogram: metric instanceof Histogram,
    });
  }
  return catalogue;
}

/** The catalogue entry a series name belongs to (`_bucket`, `_count`, `_sum` of histograms). */
export function catalogueEntry(series: string): CatalogueMetric | undefined {
  const all = metricCatalogue();
  const direct = all.get(series);
  if (direct !== undefined) return direct;
  const histogram = /^(.*)_(bucket|count|sum)$/.exec(series);
  const base = histogram === null ? undefined : all.get(histogram[1] ?? '');
  return base?.histogram === true ? base : undefined;
}

/** `name{matchers}` selectors of a PromQL expression (comments removed). */
export function selectors(expr: string): { metric: string; matchers: string }[] {
  const code = stripComments(expr);
  return [...code.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)].map((match) => ({
    metric: match[1] ?? '',
    matchers: match[2] ?? '',
  }));
}

export function stripComments(expr: string): string {
  return expr
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
}

const KEYWORDS = new Set([
  'by',
  'on',
  'without',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/**
 * Metric names used without a `{…}` selector (they would escape the job and instance
 * matchers): whatever identifier is left once strings, selectors, label lists, ranges and
 * function calls are removed.
 */
export function bareMetrics(expr: string): string[] {
  const code = stripComments(expr)
    .replace(/"[^"]*"/g, '""')
    .replace(/[a-zA-Z_:][a-zA-Z0-9_:]*\s*\{[^}]*\}/g, ' ')
    .replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  return [...code.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((match) => match[2] === undefined && !KEYWORDS.has(match[1] ?? ''))
    .map((match) => match[1] ?? '')
    .filter((word) => !/^(Inf|NaN)$/i.test(word) && !/^\d/.test(word));
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
