import type { TokenSource } from '../../auth/token-source.ts';
import type { ProbeContext } from '../types.ts';
import { performRequest, type HttpExchange, type HttpRequestSpec } from './request.ts';

/**
 * Performs a request with an optional OAuth bearer token. A 401 is answered once by dropping
 * the token, fetching a fresh one and retrying — the behaviour integrations need when a token
 * is revoked or rotated early.
 */
export async function requestWithCredential(
  spec: HttpRequestSpec,
  tokens: TokenSource | undefined,
  context: ProbeContext,
): Promise<HttpExchange> {
  if (tokens === undefined) return performRequest(spec, context.signal, context.timeoutMs);

  const first = await withToken(spec, tokens, context);
  if (!first.ok || first.status !== 401 || first.token === undefined) return first.exchange;
  context.log.info('server answered 401; refreshing the token and retrying once');
  tokens.invalidate(first.token);
  const second = await withToken(spec, tokens, context);
  if (second.ok && second.status === 401) {
    return {
      ...second.exchange,
      ok: false,
      reason: 'unauthorized',
      message: 'server answered 401 with a freshly issued token',
      status: 401,
    };
  }
  return second.exchange;
}

type Attempt =
  | { ok: true; status: number; token: string | undefined; exchange: HttpExchange }
  | { ok: false; token: string | undefined; exchange: HttpExchange };

async function withToken(
  spec: HttpRequestSpec,
  tokens: TokenSource,
  context: ProbeContext,
): Promise<Attempt> {
  const started = performance.now();
  let token: string;
  try {
    token = await tokens.getToken(context.signal);
  } catch (error) {
    const failure: HttpExchange = {
      ok: false,
      // Whatever broke at the token endpoint, the target failed for want of a credential.
      reason: context.signal.aborted ? 'timeout' : 'auth_failed',
      message: error instanceof Error ? error.message : 'no token',
      phases: {},
      totalSeconds: (performance.now() - started) / 1000,
    };
    return { ok: false, token: undefined, exchange: failure };
  }
  const remainingMs = Math.max(1, context.timeoutMs - (performance.now() - started));
  const exchange = await performRequest(
    { ...spec, headers: { ...spec.headers, authorization: `Bearer ${token}` } },
    context.signal,
    remainingMs,
  );
  return exchange.ok
    ? { ok: true, status: exchange.status, token, exchange }
    : { ok: false, token, exchange };
}
