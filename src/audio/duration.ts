import { AudioDataError } from './errors.ts';

// Time part only: AudioHook never sends date parts, and a day has no fixed length in seconds.
// Only the seconds may carry a fraction; ".5" is allowed because the AudioHook reference
// validator (`^PT(?:\d*\.)?\d+S$`) accepts it.
const ISO_DURATION = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?|\.\d+)S)?$/;

/**
 * Reads an ISO-8601 time duration as used by AudioHook (`position`, `rtt`, `retryAfter`,
 * `discarded`) into seconds: `PT12.4S` → 12.4, `PT0.012S` → 0.012, `PT1M2.5S` → 62.5,
 * `PT1H` → 3600.
 * @throws AudioDataError `ERR_ISO_DURATION_INVALID` for anything else: empty `PT`, date parts
 *   (`P1D`), signs, lowercase designators, fractions on hours or minutes, surrounding spaces,
 *   and digit runs so long the value is not a finite number (`PT999…9H` would be Infinity).
 */
export function parseIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text);
  const [, hours, minutes, seconds] = match ?? [];
  if (match === null || (hours === undefined && minutes === undefined && seconds === undefined)) {
    throw new AudioDataError(
      'ERR_ISO_DURATION_INVALID',
      `Invalid ISO-8601 duration ${JSON.stringify(text.slice(0, 40))}: expected PT[nH][nM][n[.f]S], e.g. "PT12.4S"`,
    );
  }
  const total = Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
  // A peer's digits can overflow a double; Infinity would reach timers and positions.
  if (!Number.isFinite(total)) {
    throw new AudioDataError(
      'ERR_ISO_DURATION_INVALID',
      `Invalid ISO-8601 duration ${JSON.stringify(text.slice(0, 40))}…: too large`,
    );
  }
  return total;
}

/**
 * Formats seconds as `PT<seconds>S` with up to nanosecond precision and no trailing zeros
 * (12.4 → `PT12.4S`, 0 → `PT0S`). Always the seconds-only form — never minutes or exponent
 * notation — because that is all the AudioHook reference validator accepts.
 * @throws RangeError for a negative or non-finite value.
 */
export function formatIsoDuration(seconds: number): string {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) {
    throw new RangeError(`duration must be a finite number of seconds ≥ 0, got ${seconds}`);
  }
  const text = seconds.toFixed(9).replace(/\.?0+$/, '');
  return `PT${text}S`;
}
