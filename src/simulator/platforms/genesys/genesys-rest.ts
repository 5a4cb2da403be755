import { Router } from 'express';
import { bearerToken } from '../../core/auth/client-auth.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../core/http/exchange.ts';
import { clientCredentialsGrant, oauthFaultReply } from '../../core/auth/oauth.ts';
import { jsonReply, type EndpointRequest, type Reply } from '../../core/http/reply.ts';

/** Fixed organisation of the simulated Genesys org, so answers are stable across runs. */
const ORGANIZATION = { id: '6f1f5c1e-3b1a-4d3e-9c55-2a7c1b0e9d41', name: 'cxprobe simulator' };

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
function correlationHeader(exchangeId: string): Record<string, string> {
  return { 'inin-correlation-id': exchangeId };
}

function tokensMe(ctx: SimulatorContext, { req, id }: EndpointRequest): Reply {
  const token = bearerToken(req.headers);
  const issued = token === undefined ? undefined : ctx.tokens.lookup(token, 'genesys');
  if (issued === undefined) return genesysError(401, 'Invalid login credentials.', id);
  const decision = ctx.rateLimiter.take(issued.clientId);
  if (!decision.allowed) {
    ctx.truth.rateLimited('genesys_tokens_me');
    const reply = genesysError(
      429,
      `Rate limit exceeded the maximum. Retry the request in [${decision.retryAfterSeconds}] seconds`,
      id,
    );
    return { ...reply, headers: { 'Retry-After': String(decision.retryAfterSeconds) } };
  }
  return jsonReply(200, {
    organization: ORGANIZATION,
    homeOrganization: { ...ORGANIZATION, thirdPartyOrgName: 'cxprobe-sim' },
    authorizedScope: [],
    OAuthClient: {
      id: issued.clientId,
      name: `cxprobe simulator client ${issued.clientId}`,
      organization: { id: ORGANIZATION.id },
    },
  });
}

/**
 * Genesys Cloud login and REST endpoints: `POST /oauth/token`, `GET /api/v2/tokens/me` and
 * `GET`/`HEAD /api/v2/health/check`.
 */
export function genesysRouter(ctx: SimulatorContext): Router {
  const oauth: EndpointSpec = {
    key: 'genesys_oauth',
    errorReply: (status, message) => oauthFaultReply(status, message),
    handle: (request) =>
      clientCredentialsGrant(
        ctx,
        { key: 'genesys_oauth', platform: 'genesys', acceptFormCredentials: false },
        request,
      ),
  };
  const me: EndpointSpec = {
    key: 'genesys_tokens_me',
    errorReply: genesysError,
    commonHeaders: correlationHeader,
    handle: (request) => tokensMe(ctx, request),
  };
  const health: EndpointSpec = {
    key: 'genesys_health_check',
    errorReply: genesysError,
    commonHeaders: correlationHeader,
    handle: () => jsonReply(200, { status: 'ok' }),
  };
  const router = Router();
  router.post('/oauth/token', ...endpointHandlers(ctx, oauth));
  router.get('/api/v2/tokens/me', ...endpointHandlers(ctx, me));
  // Express routes HEAD to the GET handler and Node drops the body, which is what HEAD needs.
  router.get('/api/v2/health/check', ...endpointHandlers(ctx, health));
  return router;
}
