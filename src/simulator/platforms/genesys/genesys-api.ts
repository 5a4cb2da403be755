import type { EndpointKey } from '../../core/endpoint-keys.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { jsonReply, type Reply } from '../../core/http/reply.ts';

// What every Genesys Cloud API answer shares, REST and Notifications alike.

/** Genesys error codes by status, as seen in Genesys error bodies. */
const ERROR_CODES: Record<number, string> = {
  401: 'bad.credentials',
  429: 'too.many.requests',
  500: 'internal.server.error',
  502: 'bad.gateway',
  503: 'service.unavailable',
  504: 'gateway.timeout',
};

/**
 * Genesys API error answer (docs/protocols.md §1.5). `contextId` repeats the correlation id, as
 * Genesys does, so a probe log line can be matched to the simulator's.
 */
export function genesysError(
  status: number,
  message: string,
  contextId: string,
  code = ERROR_CODES[status] ?? (status >= 500 ? 'server.error' : 'bad.request'),
): Reply {
  return jsonReply(status, { message, code, status, contextId, details: [], errors: [] });
}

/** Every Genesys API answer carries this header (docs/protocols.md §1.2). */
export function correlationHeader(exchangeId: string): Record<string, string> {
  return { 'inin-correlation-id': exchangeId };
}

/**
 * Takes one request from the per-client API limit (docs/protocols.md §1.5).
 *
 * @returns the 429 answer, counted as `rate_limited` of `key`, when the limit is spent.
 */
export function rateLimitReply(
  ctx: SimulatorContext,
  key: EndpointKey,
  clientId: string,
  contextId: string,
): Reply | undefined {
  const decision = ctx.rateLimiter.take(clientId);
  if (decision.allowed) return undefined;
  ctx.truth.rateLimited(key);
  const reply = genesysError(
    429,
    `Rate limit exceeded the maximum. Retry the request in [${decision.retryAfterSeconds}] seconds`,
    contextId,
  );
  return { ...reply, headers: { 'Retry-After': String(decision.retryAfterSeconds) } };
}
