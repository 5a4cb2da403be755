import type { OAuthPlatform } from '../defaults.ts';
import type { EndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import type { EndpointSpec } from '../http/exchange.ts';
import { basicCredentials, findClient, type PresentedCredentials } from './client-auth.ts';
import { jsonReply, type EndpointRequest, type Reply } from '../http/reply.ts';

/** RFC 6749 §5.1: token answers must not be cached. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** RFC 6749 §5.2 error answer. */
export function oauthError(status: number, error: string, description: string): Reply {
  const headers: Record<string, string> = { ...NO_STORE };
  // RFC 6749 §5.2: a 401 for a client that tried Basic auth names the scheme to use.
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="cxprobe-simulator"';
  return jsonReply(status, { error, error_description: description }, headers);
}

/** Error answer of a token endpoint for injected faults. */
export function oauthFaultReply(status: number, message: string): Reply {
  // RFC 6749 has no rate-limit code; temporarily_unavailable is what servers use for 429/503.
  const error = status === 429 || status === 503 ? 'temporarily_unavailable' : 'server_error';
  return oauthError(status, error, message);
}

/** How a token endpoint takes client credentials. */
export interface ClientCredentialsPolicy {
  key: EndpointKey;
  platform: OAuthPlatform;
  /**
   * Whether `client_id`/`client_secret` form fields are accepted besides Basic auth
   * (RFC 6749 §2.3.1 allows both; the Genesys SDK only uses Basic).
   */
  acceptFormCredentials: boolean;
}

function presentedCredentials(
  request: EndpointRequest,
  form: URLSearchParams,
  acceptForm: boolean,
): PresentedCredentials | Reply {
  const basic = basicCredentials(request.req.headers);
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (basic !== undefined && (formId !== null || formSecret !== null)) {
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    return oauthError(400, 'invalid_request', 'client credentials sent by more than one method');
  }
  if (basic !== undefined) return basic;
  if (formId === null && formSecret === null) {
    return oauthError(401, 'invalid_client', 'client authentication required');
  }
  if (!acceptForm) {
    return oauthError(
      401,
      'invalid_client',
      'client credentials must be sent with HTTP Basic authentication',
    );
  }
  if (formId === null || formSecret === null) {
    return oauthError(401, 'invalid_client', 'client_id and client_secret are both required');
  }
  return { clientId: formId, clientSecret: formSecret };
}

/** Handles an RFC 6749 §4.4 client-credentials token request. */
export function clientCredentialsGrant(
  ctx: SimulatorContext,
  policy: ClientCredentialsPolicy,
  request: EndpointRequest,
): Reply {
  const form = request.body.kind === 'form' ? request.body.value : new URLSearchParams();
  const presented = presentedCredentials(request, form, policy.acceptFormCredentials);
  if ('status' in presented) return presented;
  const client = findClient(ctx.clients, policy.platform, presented);
  if (client === undefined)
    return oauthError(401, 'invalid_client', 'client authentication failed');
  if (request.body.kind !== 'form') {
    return oauthError(
      400,
      'invalid_request',
      'request body must be application/x-www-form-urlencoded with grant_type',
    );
  }
  const grantType = form.get('grant_type');
  if (grantType === null) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (grantType !== 'client_credentials') {
    return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  const accessToken = ctx.tokens.issue(policy.platform, client.clientId, ctx.tokenTtlSeconds);
  ctx.truth.tokenIssued(policy.key);
  return jsonReply(
    200,
    { access_token: accessToken, token_type: 'bearer', expires_in: ctx.tokenTtlSeconds },
    NO_STORE,
  );
}

/** A token endpoint taking client credentials as `policy` says, for the exchange pipeline. */
export function tokenEndpoint(
  ctx: SimulatorContext,
  policy: ClientCredentialsPolicy,
): EndpointSpec {
  return {
    key: policy.key,
    errorReply: (status, message) => oauthFaultReply(status, message),
    handle: (request) => clientCredentialsGrant(ctx, policy, request),
  };
}
