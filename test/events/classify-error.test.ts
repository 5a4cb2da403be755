import { describe, expect, it } from 'vitest';
import { classifyRequestError, errorCode } from '../../src/events/classify-error.ts';
import { REASONS } from '../../src/events/reasons.ts';

/** An Error carrying a system-style `code`, as Node and got produce them. */
function coded(code: string, cause?: unknown): Error {
  return Object.assign(new Error(`failed with ${code}`, { cause }), { code });
}

describe('classifyRequestError', () => {
  it.each([
    ['ETIMEDOUT', 'timeout'],
    ['ESOCKETTIMEDOUT', 'timeout'],
    ['ABORT_ERR', 'timeout'],
    ['ENOTFOUND', 'dns_error'],
    ['EAI_AGAIN', 'dns_error'],
    ['EAI_FAIL', 'dns_error'],
    ['EAI_NONAME', 'dns_error'],
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['ERR_HTTP_CONTENT_LENGTH_MISMATCH', 'connection_reset'],
    ['HPE_INVALID_CONSTANT', 'connection_reset'],
    ['ERR_TOO_MANY_REDIRECTS', 'redirect_loop'],
    ['CERT_HAS_EXPIRED', 'tls_error'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls_error'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls_error'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls_error'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls_error'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls_error'],
    ['ERR_SSL_SOMETHING_NEW', 'tls_error'],
    ['EPROTO', 'tls_error'],
    ['EHOSTUNREACH', 'network_error'],
    ['SOMETHING_ELSE', 'network_error'],
  ])('%s → %s', (code, reason) => {
    expect(classifyRequestError(coded(code))).toBe(reason);
  });

  it('looks through a got wrapper to the system error in cause', () => {
    const wrapped = coded('ERR_GOT_REQUEST_ERROR', coded('ECONNREFUSED'));
    expect(errorCode(wrapped)).toBe('ECONNREFUSED');
    expect(classifyRequestError(wrapped)).toBe('connection_refused');
  });

  it('treats AbortError and TimeoutError as a timeout', () => {
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    const timeout = new DOMException('signal timed out', 'TimeoutError');
    expect(classifyRequestError(abort)).toBe('timeout');
    expect(classifyRequestError(timeout)).toBe('timeout');
  });

  it('never reads the message: an unknown error is network_error whatever it says', () => {
    expect(classifyRequestError(new Error('ECONNREFUSED certificate timeout'))).toBe(
      'network_error',
    );
    expect(classifyRequestError('a string')).toBe('network_error');
    expect(classifyRequestError(undefined)).toBe('network_error');
    expect(errorCode({ code: 'ECONNRESET' })).toBeUndefined();
  });

  it('gives up after a few levels of cause', () => {
    let error: Error = coded('ECONNRESET');
    for (let i = 0; i < 4; i++) error = new Error('wrapper', { cause: error });
    expect(classifyRequestError(error)).toBe('network_error');
  });

  it('only ever answers catalogue reasons', () => {
    for (const code of ['ETIMEDOUT', 'ENOTFOUND', 'EPROTO', 'X']) {
      expect(Object.keys(REASONS)).toContain(classifyRequestError(coded(code)));
    }
  });
});
