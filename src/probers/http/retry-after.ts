import { clampDelayMs, MAX_PEER_DEFERRAL_MS } from '../../config/delay.ts';

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds from `nowMs`, or undefined when absent or unreadable. A peer cannot park
 * the target for longer than `MAX_PEER_DEFERRAL_MS`: "retry in 3,000 years" means an hour.
 */
export function parseRetryAfterMs(
  header: string | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return clampDelayMs(Number(text) * 1000, MAX_PEER_DEFERRAL_MS);
  // Every HTTP-date form names the month; without a letter, Date.parse would read "1.5" or "-5"
  // as a date in 2001 and turn a malformed header into "retry now".
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return clampDelayMs(date - nowMs, MAX_PEER_DEFERRAL_MS);
}
