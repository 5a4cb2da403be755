/**
 * Prometheus-style durations ("500ms", "15s", "1m30s", "2h", "1d", "1w", "1y") to milliseconds,
 * with Prometheus' units (y = 365d, w = 7d, d = 24h), each at most once and largest first.
 * Kept strict so a typo such as "15" or "15sec" is a config error, not a silent default.
 */
const DURATION_PATTERN =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * The longest delay `setTimeout` honours (about 24.8 days); Node turns anything longer into 1 ms.
 * Every duration in the config must fit, or a long interval would become a request flood.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const UNITS = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

/** Parses a duration; returns undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  let ms = 0;
  UNITS.forEach(([, size], index) => {
    ms += Number(match[index + 1] ?? 0) * size;
  });
  return ms;
}

/** Why a parsed duration cannot be used as a timer, or undefined when it can. */
export function durationTooLong(ms: number): string | undefined {
  return ms > MAX_TIMER_MS
    ? `must be at most ${formatDurationMs(MAX_TIMER_MS)} (the longest timer Node.js can arm)`
    : undefined;
}

/** Formats milliseconds back into the shortest duration text ("1m30s", "250ms", "1d"). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
