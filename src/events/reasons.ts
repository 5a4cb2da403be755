/**
 * The one catalogue of reason codes. Metric `result`/`reason` labels only ever take these values,
 * so a remote server can never grow a label set; the human detail goes to the probe log.
 *
 * Outcomes say how a probe cycle, a connect attempt or a bot turn ended (`probes_total{result}`,
 * `ws_connect_failures_total{reason}`); close reasons say why a session ended
 * (`ws_closes_total{reason}`, `ws_reconnects_total{reason}`). One code may be both
 * (`unauthorized`); its meaning is the same in either place.
 */
const OUTCOMES = {
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
  unauthorized: 'the server refused the session or the request, even with a fresh token',
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

/** Why a session ended; bounded, becomes the `reason` label of closes and reconnects. */
const CLOSE_REASONS = {
  abnormal_closure: 'TCP lost without a close frame (1006)',
  ping_timeout: 'a ping went unanswered within its timeout (half-open connection)',
  heartbeat_missed: 'the server stopped sending its heartbeats',
  server_close: 'the server closed without announcing it',
  planned: 'the server announced the close (e.g. Genesys v2.system.socket_closing)',
  rollover: 'we replaced the session before its lifetime ran out',
  channel_gone: 'the server said the channel no longer exists',
  protocol_error: 'the server sent something the protocol does not allow',
  message_too_big: 'a frame exceeded max_payload',
  handshake_failed: 'the connection or upgrade did not succeed',
  shutdown: 'cxprobe stopped or reloaded the target',
  completed: 'the session ran its course and ended with its close transaction',
  open_timeout: 'the server never answered the open transaction',
  close_timeout: 'the server never answered the close transaction',
  unauthorized: 'the server refused the session or the request, even with a fresh token',
  server_error: 'the server ended the session with an error (disconnect error, error message)',
  token_expired: 'the server closed the channel because the token that created it expired',
  internal_error: 'a bug in cxprobe while handling what the peer sent; see the log',
  open_failed:
    'the connection was up but the session could not be set up (e.g. its audio source failed)',
} as const;

export const REASONS = { ...OUTCOMES, ...CLOSE_REASONS } as const;

/** Any reason code of the catalogue. */
export type AnyReason = keyof typeof REASONS;
/** How a probe cycle, connect attempt or bot turn ended. */
export type Reason = keyof typeof OUTCOMES;
export type FailureReason = Exclude<Reason, 'success'>;
/** Why a session ended. */
export type CloseReason = keyof typeof CLOSE_REASONS;
export const REASON_CODES = Object.keys(OUTCOMES) as Reason[];
export const CLOSE_REASON_CODES = Object.keys(CLOSE_REASONS) as CloseReason[];
