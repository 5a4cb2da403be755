import type { MonitoringConfig } from './config.ts';

/**
 * A label selector: the config's matchers plus `extra` ones, e.g.
 * `sel(config, 'code="1006"')` → `{job="cxprobe", code="1006"}`.
 */
export function sel(config: MonitoringConfig, ...extra: string[]): string {
  return `{${[config.selector, ...extra].filter((matcher) => matcher !== '').join(', ')}}`;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 7 * 86_400,
  y: 365 * 86_400,
};

/**
 * Seconds in a Prometheus duration such as `90s`, `5m` or `1h30m`.
 *
 * @throws {RangeError} when the text is not a duration.
 */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== duration) {
    throw new RangeError(`not a Prometheus duration: ${JSON.stringify(duration)}`);
  }
  return parts.reduce(
    (sum, [, amount, unit]) => sum + Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1),
    0,
  );
}

/** A number as PromQL and Go templates print it: no float noise such as 0.30000000000000004. */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** Joins expression lines; lines starting with `#` are PromQL comments saying why. */
export function lines(...parts: string[]): string {
  return parts.join('\n');
}
