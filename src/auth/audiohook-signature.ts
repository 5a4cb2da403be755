import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The components Genesys signs on an AudioHook upgrade request, in this order. */
export const AUDIOHOOK_SIGNED_COMPONENTS = [
  '@request-target',
  '@authority',
  'audiohook-organization-id',
  'audiohook-session-id',
  'audiohook-correlation-id',
  'x-api-key',
] as const;

/** What a signature covers: the request target, the authority and the four AudioHook headers. */
export interface AudiohookSignedRequest {
  /** Path and query, e.g. `/api/v1/audiohook/ws`. */
  requestTarget: string;
  /** Host with the default port normalised away. */
  authority: string;
  organizationId: string;
  sessionId: string;
  correlationId: string;
  apiKey: string;
}

/** Signature parameters, in the order they are serialised. */
export interface SignatureParameters {
  keyid: string;
  nonce: string;
  alg: 'hmac-sha256';
  created: number;
  expires: number;
}

/**
 * Signs an AudioHook upgrade the way Genesys Cloud does: an HTTP message signature (RFC 9421
 * style, label `sig1`, `hmac-sha256`) keyed with the base64-decoded client secret. Returns the
 * `Signature-Input` and `Signature` header values.
 */
export function signAudiohookRequest(
  request: AudiohookSignedRequest,
  clientSecretBase64: string,
  options: { now?: () => number; nonce?: string; lifetimeSeconds?: number } = {},
): { signatureInput: string; signature: string; parameters: SignatureParameters } {
  const created = Math.floor((options.now ?? Date.now)() / 1000);
  const parameters: SignatureParameters = {
    keyid: request.apiKey,
    // 18 random bytes give a 24-character base64 nonce; the reference server wants >= 22.
    nonce: options.nonce ?? randomBytes(18).toString('base64'),
    alg: 'hmac-sha256',
    created,
    expires: created + (options.lifetimeSeconds ?? 30),
  };
  const params = serialiseParameters(parameters);
  const mac = hmac(signatureBase(request, params), clientSecretBase64);
  return { signatureInput: `sig1=${params}`, signature: `sig1=:${mac}:`, parameters };
}

/** `("@request-target" …);keyid="…";nonce="…";alg="hmac-sha256";created=…;expires=…` */
export function serialiseParameters(parameters: SignatureParameters): string {
  const components = AUDIOHOOK_SIGNED_COMPONENTS.map((name) => `"${name}"`).join(' ');
  return `(${components});keyid="${parameters.keyid}";nonce="${parameters.nonce}";alg="${parameters.alg}";created=${parameters.created};expires=${parameters.expires}`;
}

/** The signature base: one `"component": value` line each, then the `@signature-params` line. */
export function signatureBase(request: AudiohookSignedRequest, serialisedParams: string): string {
  const values: Record<(typeof AUDIOHOOK_SIGNED_COMPONENTS)[number], string> = {
    '@request-target': request.requestTarget,
    '@authority': request.authority.toLowerCase(),
    'audiohook-organization-id': request.organizationId,
    'audiohook-session-id': request.sessionId,
    'audiohook-correlation-id': request.correlationId,
    'x-api-key': request.apiKey,
  };
  const lines = AUDIOHOOK_SIGNED_COMPONENTS.map((name) => `"${name}": ${values[name]}`);
  return [...lines, `"@signature-params": ${serialisedParams}`].join('\n');
}

/** HMAC-SHA256 of the base, keyed with the decoded secret, as base64. */
export function hmac(base: string, clientSecretBase64: string): string {
  return createHmac('sha256', Buffer.from(clientSecretBase64, 'base64'))
    .update(base, 'utf8')
    .digest('base64');
}

/** Constant-time comparison of two base64 signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64');
  const right = Buffer.from(b, 'base64');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** `host:443` on wss / `host:80` on ws → `host`, as `@authority` requires. */
export function normaliseAuthority(url: URL): string {
  const defaultPort = url.protocol === 'wss:' || url.protocol === 'https:' ? '443' : '80';
  return url.port === '' || url.port === defaultPort ? url.hostname : `${url.hostname}:${url.port}`;
}
