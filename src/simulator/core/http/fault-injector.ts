import type { EndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import { drawDelay } from '../faults/delays.ts';
import type { EndpointFault } from '../faults/fault-shapes.ts';
import type { Reply } from './reply.ts';
import type { InjectedFault } from '../truth/truth-shape.ts';

/** How an endpoint spells an error answer of its platform. */
export type ErrorReplyBuilder = (status: number, message: string, exchangeId: string) => Reply;

/** Payloads of `malformed_rate`: a cut-off JSON document, and a proxy's HTML error page. */
const TRUNCATED_JSON =
  '{"status":"ok","result":{"id":"5f0c2a7e-4b1d-4c8e-9a3f-1e2d3c4b5a69","items":[{"na';
const HTML_ERROR_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n' +
  '<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n';

function count(
  ctx: SimulatorContext,
  key: EndpointKey,
  fault: InjectedFault,
  details: Record<string, unknown>,
): void {
  ctx.truth.injected(key, fault);
  ctx.logger?.debug({ endpoint: key, fault, ...details }, 'simulator injected fault');
}

/**
 * Rolls the answer-replacing faults in priority order (storm, error, malformed) and counts the
 * one applied.
 *
 * @returns the injected answer, or undefined when the endpoint should answer normally.
 */
export function injectAnswerFault(
  ctx: SimulatorContext,
  key: EndpointKey,
  fault: Readonly<EndpointFault>,
  errorReply: ErrorReplyBuilder,
  exchangeId: string,
): Reply | undefined {
  if (fault.rate_limit_storm) {
    count(ctx, key, 'rate_limit_storm', { retryAfterSeconds: fault.storm_retry_after_s });
    const reply = errorReply(429, 'Rate limit exceeded (simulated storm)', exchangeId);
    return {
      ...reply,
      headers: { ...reply.headers, 'Retry-After': String(fault.storm_retry_after_s) },
    };
  }
  // Math.random() is in [0, 1): a rate of 1 always hits and a rate of 0 never does.
  if (fault.error_rate > 0 && ctx.random() < fault.error_rate) {
    count(ctx, key, 'error', { status: fault.error_status });
    return errorReply(fault.error_status, 'Simulated server error', exchangeId);
  }
  if (fault.malformed_rate > 0 && ctx.random() < fault.malformed_rate) {
    const html = ctx.random() < 0.5;
    count(ctx, key, 'malformed', { body: html ? 'html' : 'truncated_json' });
    return html
      ? { status: 200, text: HTML_ERROR_PAGE, contentType: 'text/html; charset=utf-8' }
      : { status: 200, text: TRUNCATED_JSON, contentType: 'application/json; charset=utf-8' };
  }
  return undefined;
}

/**
 * Total delay for one answer in whole milliseconds: fixed latency, a uniform integer in
 * [0, random_ms], plus `slow_ms` when the slow roll hits (counted as injected).
 */
export function answerDelay(
  ctx: SimulatorContext,
  key: EndpointKey,
  fault: Readonly<EndpointFault>,
): number {
  let ms = drawDelay(fault.latency, ctx.random);
  if (fault.slow_rate > 0 && ctx.random() < fault.slow_rate) {
    count(ctx, key, 'slow', { slowMs: fault.slow_ms });
    ms += fault.slow_ms;
  }
  return ms;
}
