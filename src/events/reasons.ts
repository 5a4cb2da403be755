/**
 * The one catalogue of probe outcome codes. Metric `result`/`reason` labels only ever take these
 * values, so a remote server can never grow a label set; the human detail goes to the probe log.
 */
export const REASONS = {
  success: 'the probe passed',
  timeout: 'no complete answer within the probe timeout',
  dns_error: 'the host name did not resolve',
  connection_refused: 'the TCP connection was refused',
  connection_reset: 'the connection was reset or closed early',
  tls_error: 'the TLS handshake or certificate check failed',
  redirect_loop: 'too many redirects',
  network_error: 'another network-level error',
  unexpected_status: 'the HTTP status was not among the expected ones',
  rate_limited: 'the server answered 429 Too Many Requests',
  unauthorized: 'the server answered 401 even with a freshly issued token',
  auth_failed: 'no OAuth token could be obtained for the credential',
  invalid_json: 'the body was not the JSON the protocol requires',
  body_mismatch: 'the body did not match body_regex',
  body_too_large: 'the response body (decompressed) exceeded max_body_bytes',
  json_mismatch: 'a JSON field expectation failed',
  bot_failed: 'the bot answered with an error or a FAILED state',
  audio_unreadable: 'the configured audio source (a WAV file) could not be read',
  connect_error:
    'the Socket.IO endpoint refused the connect (CONNECT_ERROR, e.g. an unknown URL token)',
  internal: 'a bug in cxprobe; see the logs',
} as const;

export type Reason = keyof typeof REASONS;
export type FailureReason = Exclude<Reason, 'success'>;
export const REASON_CODES = Object.keys(REASONS) as Reason[];
