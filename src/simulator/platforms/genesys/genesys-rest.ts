import { Router } from 'express';
import { bearerToken } from '../../core/auth/client-auth.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../core/http/exchange.ts';
import { tokenEndpoint } from '../../core/auth/oauth.ts';
import { jsonReply, type EndpointRequest, type Reply } from '../../core/http/reply.ts';
import { correlationHeader, genesysError, rateLimitReply } from './genesys-api.ts';

/** Fixed organisation of the simulated Genesys org, so answers are stable across runs. */
const ORGANIZATION = { id: '6f1f5c1e-3b1a-4d3e-9c55-2a7c1b0e9d41', name: 'cxprobe simulator' };

function tokensMe(ctx: SimulatorContext, { req, id }: EndpointRequest): Reply {
  const token = bearerToken(req.headers);
  const issued = token === undefined ? undefined : ctx.tokens.lookup(token, 'genesys');
  if (issued === undefined) return genesysError(401, 'Invalid login credentials.', id);
  const limited = rateLimitReply(ctx, 'genesys_tokens_me', issued.clientId, id);
  if (limited !== undefined) return limited;
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
  const oauth = tokenEndpoint(ctx, {
    key: 'genesys_oauth',
    platform: 'genesys',
    acceptFormCredentials: false,
  });
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
