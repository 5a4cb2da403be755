/**
 * The one reader of Prometheus text and OpenMetrics expositions (what `GET /metrics` answers),
 * for tests and benches alike. No library is installed that parses the format (prom-client only
 * writes it), and the samples are all the tests need: names, labels, values and exemplars.
 * Comment lines (`# HELP`, `# TYPE`, `# EOF`) are skipped.
 */

/** One sample line: `name{labels} value [timestamp] [# {exemplar labels} value [timestamp]]`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The OpenMetrics exemplar of the line, when it has one. */
  exemplar?: { labels: Record<string, string>; value: number };
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/** Label values escape `\`, `"` and the line feed. */
function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_escape, char: string) => (char === 'n' ? '\n' : char));
}

/** `+Inf`, `-Inf` and `NaN` as the format spells them, or a plain number. */
function parseValue(text: string | undefined): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The label set opening at `line[start] === '{'`, and where it ends; undefined if malformed. */
function readLabels(
  line: string,
  start: number,
): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let position = start + 1;
  for (;;) {
    while (line[position] === ' ') position++;
    if (line[position] === '}') return { labels, end: position + 1 };
    LABEL_PAIR.lastIndex = position;
    const pair = LABEL_PAIR.exec(line);
    if (pair === null) return undefined;
    labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
    position = LABEL_PAIR.lastIndex;
  }
}

/** One sample line, or undefined for anything else. */
function parseLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let labels: Record<string, string> = {};
  let rest = line.slice(name.length);
  if (rest.startsWith('{')) {
    const read = readLabels(line, name.length);
    if (read === undefined) return undefined;
    labels = read.labels;
    rest = line.slice(read.end);
  }
  const hash = rest.indexOf(' # ');
  const [value] = (hash === -1 ? rest : rest.slice(0, hash)).trim().split(/\s+/);
  if (value === undefined || value === '') return undefined;
  const sample: Sample = { name, labels, value: parseValue(value) };
  if (hash !== -1) {
    const exemplarText = rest.slice(hash + 3);
    const read = exemplarText.startsWith('{') ? readLabels(exemplarText, 0) : undefined;
    if (read !== undefined) {
      const [exemplarValue] = exemplarText.slice(read.end).trim().split(/\s+/);
      sample.exemplar = { labels: read.labels, value: parseValue(exemplarValue) };
    }
  }
  return sample;
}

/** Every sample of a text exposition, in order. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample !== undefined) samples.push(sample);
  }
  return samples;
}

/** True when the sample is `name` and carries every label of `where` with that value. */
export function matches(sample: Sample, name: string, where: Record<string, string> = {}): boolean {
  return (
    sample.name === name &&
    Object.entries(where).every(([key, value]) => sample.labels[key] === value)
  );
}

/** The value of the first sample matching name and every given label, or undefined. */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return parseSamples(text).find((sample) => matches(sample, name, labels))?.value;
}

/** Sum of every sample of `name` whose labels include `where` (0 when there is none). */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): number {
  let total = 0;
  for (const sample of samples) if (matches(sample, name, where)) total += sample.value;
  return total;
}

/** One exemplar of an OpenMetrics histogram, with the trace it points at. */
export interface Exemplar {
  /** The histogram (without `_bucket`). */
  metric: string;
  traceId: string;
  spanId: string;
}

/** The exemplars on the buckets of an OpenMetrics text, in order. */
export function parseExemplars(text: string): Exemplar[] {
  return parseSamples(text).flatMap((sample) =>
    sample.exemplar === undefined || !sample.name.endsWith('_bucket')
      ? []
      : [
          {
            metric: sample.name.slice(0, -'_bucket'.length),
            traceId: sample.exemplar.labels.trace_id ?? '',
            spanId: sample.exemplar.labels.span_id ?? '',
          },
        ],
  );
}
