import type { ProbeResult } from '../../events/probe-event.ts';
import type { ExpectationFailure } from './expectations.ts';
import type { HttpExchange } from './request.ts';
import { parseRetryAfterMs } from './retry-after.ts';

/** Judges a response: returns a failure, or undefined when it is good. */
export type ResponseCheck = (status: number, body: string) => ExpectationFailure | undefined;

/** Turns one exchange into a probe result: transport failure, 429, the kind's check, or success. */
export function exchangeToResult(
  exchange: HttpExchange,
  check: ResponseCheck,
  options: { botTurn?: boolean } = {},
): ProbeResult {
  const common = {
    durationSeconds: exchange.totalSeconds,
    phases: { ...exchange.phases, total: exchange.totalSeconds },
    ...(exchange.certExpiresAt === undefined ? {} : { certExpiresAt: exchange.certExpiresAt }),
  };
  if (!exchange.ok) {
    const botTurn =
      options.botTurn === true && exchange.reason === 'timeout'
        ? { botTurnSeconds: exchange.totalSeconds }
        : {};
    return {
      ...common,
      ...botTurn,
      // A response that still failed (401 after a refresh) counts among the status codes seen.
      ...(exchange.status === undefined ? {} : { httpStatus: exchange.status }),
      success: false,
      reason: exchange.reason,
      message: exchange.message,
    };
  }
  const withStatus = {
    ...common,
    httpStatus: exchange.status,
    ...(options.botTurn === true ? { botTurnSeconds: exchange.totalSeconds } : {}),
  };
  if (exchange.status === 429) {
    // Node keeps only the first Retry-After of a response, so this is a single string.
    const retryAfterMs = parseRetryAfterMs(exchange.headers['retry-after']);
    return {
      ...withStatus,
      success: false,
      reason: 'rate_limited',
      message: `429 Too Many Requests${retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs / 1000}s`}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const failure = check(exchange.status, exchange.body);
  if (failure !== undefined)
    return {
      ...withStatus,
      success: false,
      reason: failure.reason,
      message: `${failure.message}; body: ${preview(exchange.body)}`,
    };
  return { ...withStatus, success: true, reason: 'success', message: `status ${exchange.status}` };
}

/** The start of a body for the probe log; the landing page escapes it. */
function preview(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat === '' ? '(empty)' : flat;
}
