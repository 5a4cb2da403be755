import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  AUDIOHOOK_SIGNED_COMPONENTS,
  hmac,
  normaliseAuthority,
  signatureBase,
  signaturesEqual,
  type AudiohookSignedRequest,
} from '../../../auth/audiohook-signature.ts';
import type { SignatureFailure } from '../../core/truth/truth-shape.ts';
import { FieldParser, type InnerList, type Item, serialiseInnerList } from './structured-fields.ts';

/** Oldest accepted signature: `created` at most this many seconds ago (docs/protocols.md §3.3). */
export const MAX_SIGNATURE_AGE_S = 10;
/** Clock skew tolerated for a `created` in the future, seconds. */
export const MAX_SIGNATURE_SKEW_S = 5;
/** Shortest accepted nonce, characters (docs/protocols.md §3.3). */
export const MIN_NONCE_LENGTH = 22;

/** Outcome of {@link verifyAudiohookRequest}. */
export type HandshakeVerdict =
  | { ok: true; organizationId: string; sessionId: string; correlationId: string; apiKey: string }
  | { ok: false; reason: SignatureFailure; detail: string };

function fail(reason: SignatureFailure, detail: string): HandshakeVerdict {
  return { ok: false, reason, detail };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers[name];
  const value = Array.isArray(raw) ? raw.join(', ') : raw;
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * Checks an AudioHook upgrade request like the reference server (docs/protocols.md §3.3): the
 * AudioHook headers and `X-API-KEY` are present; the `Signature-Input` covers the request
 * target, the authority and those four headers, with `keyid` equal to the API key,
 * `alg="hmac-sha256"` (when given), `created` at most {@link MAX_SIGNATURE_AGE_S} old,
 * `expires` not passed and a nonce of at least {@link MIN_NONCE_LENGTH} characters; the HMAC
 * matches under the key's secret. An unknown key is checked against a random secret so it
 * fails in the same time; a key configured with an empty secret may connect unsigned.
 *
 * @param keys API key → base64 client secret.
 * @param nowMs wall-clock time (`created` and `expires` are Unix seconds).
 */
export function verifyAudiohookRequest(
  req: IncomingMessage,
  keys: ReadonlyMap<string, string>,
  nowMs: number,
): HandshakeVerdict {
  const organizationId = header(req, 'audiohook-organization-id');
  const sessionId = header(req, 'audiohook-session-id');
  const correlationId = header(req, 'audiohook-correlation-id');
  const apiKey = header(req, 'x-api-key');
  if (
    organizationId === undefined ||
    sessionId === undefined ||
    correlationId === undefined ||
    apiKey === undefined
  ) {
    return fail('missing_header', 'an AudioHook header or X-API-KEY is missing');
  }
  const accepted: HandshakeVerdict = { ok: true, organizationId, sessionId, correlationId, apiKey };
  const secret = keys.get(apiKey);
  const signatureInput = header(req, 'signature-input');
  const signatureField = header(req, 'signature');
  if (signatureInput === undefined && signatureField === undefined && secret === '') {
    return accepted;
  }
  if (signatureInput === undefined || signatureField === undefined) {
    return fail('missing_header', 'Signature-Input or Signature is missing');
  }

  let input: Map<string, Item | InnerList>;
  let signatures: Map<string, Item | InnerList>;
  try {
    input = new FieldParser(signatureInput).dictionary();
    signatures = new FieldParser(signatureField).dictionary();
  } catch (err) {
    return fail('bad_signature', `unparsable signature field: ${(err as Error).message}`);
  }
  const label = input.has('sig1') ? 'sig1' : [...input.keys()][0];
  const list = label === undefined ? undefined : input.get(label);
  const signature = label === undefined ? undefined : signatures.get(label);
  if (list?.kind !== 'list') return fail('bad_signature', 'no signature input inner list');
  if (signature?.kind !== 'item' || signature.item.type !== 'bytes') {
    return fail('bad_signature', `no byte-sequence signature labelled ${label ?? '?'}`);
  }

  const components: string[] = [];
  for (const { item, params } of list.items) {
    if (item.type !== 'string' || params.length > 0) {
      return fail('bad_signature', 'component identifiers must be plain strings');
    }
    components.push(item.value);
  }
  const missing = AUDIOHOOK_SIGNED_COMPONENTS.filter((name) => !components.includes(name));
  if (missing.length > 0) return fail('bad_signature', `not covered: ${missing.join(', ')}`);

  const params = new Map(list.params);
  const keyid = params.get('keyid');
  if (keyid?.type !== 'string' || keyid.value !== apiKey) {
    return fail('bad_signature', 'keyid must equal X-API-KEY');
  }
  const alg = params.get('alg');
  if (alg !== undefined && (alg.type !== 'string' || alg.value !== 'hmac-sha256')) {
    return fail('bad_signature', 'alg must be hmac-sha256');
  }
  const created = params.get('created');
  const expires = params.get('expires');
  if (created?.type !== 'integer' || (expires !== undefined && expires.type !== 'integer')) {
    return fail('bad_signature', 'created (and expires) must be integers');
  }
  const nowS = nowMs / 1000;
  if (nowS - created.value > MAX_SIGNATURE_AGE_S) {
    return fail('expired', `signature created ${Math.round(nowS - created.value)} s ago`);
  }
  if (created.value - nowS > MAX_SIGNATURE_SKEW_S) {
    return fail('expired', 'signature created in the future');
  }
  if (expires !== undefined && nowS > expires.value) return fail('expired', 'signature expired');
  const nonce = params.get('nonce');
  if (nonce?.type !== 'string' || nonce.value.length < MIN_NONCE_LENGTH) {
    return fail('nonce', `nonce must have at least ${MIN_NONCE_LENGTH} characters`);
  }

  const host = header(req, 'host') ?? '';
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  let authority: string;
  try {
    authority = normaliseAuthority(new URL(`${encrypted ? 'https' : 'http'}://${host}`));
  } catch {
    return fail('bad_signature', 'unusable Host header');
  }
  const request: AudiohookSignedRequest = {
    requestTarget: req.url ?? '/',
    authority,
    organizationId,
    sessionId,
    correlationId,
    apiKey,
  };
  const base = buildBase(req, request, components, serialiseInnerList(list));
  if (base === undefined) return fail('bad_signature', 'a covered header is missing');
  // Unknown key: a random secret keeps the work (and the time) the same, and fails.
  const expected = hmac(base, secret ?? randomBytes(32).toString('base64'));
  const matches = signaturesEqual(expected, signature.item.value);
  if (secret === undefined) return fail('unknown_key', 'unknown X-API-KEY');
  return matches ? accepted : fail('bad_signature', 'signature mismatch');
}

/**
 * The signature base. The usual component order is the one Genesys signs, built by the shared
 * signer's {@link signatureBase}; any other order (RFC 9421 leaves it to the signer) and extra
 * header components are built here the same way.
 */
function buildBase(
  req: IncomingMessage,
  request: AudiohookSignedRequest,
  components: readonly string[],
  serialisedParams: string,
): string | undefined {
  const canonical =
    components.length === AUDIOHOOK_SIGNED_COMPONENTS.length &&
    components.every((name, i) => name === AUDIOHOOK_SIGNED_COMPONENTS[i]);
  if (canonical) return signatureBase(request, serialisedParams);
  const lines: string[] = [];
  for (const name of components) {
    let value: string | undefined;
    if (name === '@request-target') value = request.requestTarget;
    else if (name === '@authority') value = request.authority.toLowerCase();
    else if (name.startsWith('@')) value = undefined;
    else value = header(req, name.toLowerCase());
    if (value === undefined) return undefined;
    lines.push(`"${name}": ${value}`);
  }
  return [...lines, `"@signature-params": ${serialisedParams}`].join('\n');
}
