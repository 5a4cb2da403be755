import type { FailureReason } from './reasons.ts';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Maps a request error (got's RequestError keeps the system error's `code`) to a catalogue
 * reason. Only codes are read, never messages, so the label set stays bounded.
 */
export function classifyRequestError(error: unknown): FailureReason {
  const code = errorCode(error);
  if (code === undefined) return 'network_error';
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME')
    return 'dns_error';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_HTTP_CONTENT_LENGTH_MISMATCH' ||
    code === 'HPE_INVALID_CONSTANT'
  )
    return 'connection_reset';
  if (code === 'ERR_TOO_MANY_REDIRECTS') return 'redirect_loop';
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    return 'tls_error';
  return 'network_error';
}

/** The most specific error code: got wraps system errors and keeps theirs, `cause` may hold one. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (
      'code' in current &&
      typeof current.code === 'string' &&
      current.code !== 'ERR_GOT_REQUEST_ERROR'
    ) {
      return current.code;
    }
    if (current.name === 'AbortError' || current.name === 'TimeoutError') return 'ABORT_ERR';
    current = current.cause;
  }
  return undefined;
}
