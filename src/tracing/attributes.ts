import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import {
  isSecretQueryParam,
  isSensitiveHeader,
  REDACTED,
  type Redactor,
} from '../config/redact.ts';

/**
 * cxprobe's own span attributes. Semantic-convention names (`url.full`, `server.address`,
 * `http.response.status_code`, …) come from `@opentelemetry/semantic-conventions`; these cover
 * what the conventions have no name for. Every value is a config name, a number, a flag or a
 * bounded code: never remote text, tokens or session ids.
 */
export const CXPROBE_ATTR = {
  /** The target's configured name (the `target` metric label). */
  target: 'cxprobe.target',
  /** The target's kind (`http`, `audiohook`, …). */
  kind: 'cxprobe.kind',
  /** `success` or a probe / close reason code from the catalogue. */
  reason: 'cxprobe.reason',
  /** The probe was cut short by a shutdown or reload; it says nothing about the target. */
  cancelled: 'cxprobe.cancelled',
  /** Prefix of per-phase durations: `cxprobe.phase.<phase>_seconds`. */
  phasePrefix: 'cxprobe.phase.',
  botTurnSeconds: 'cxprobe.bot.turn_seconds',
  botFirstResponseSeconds: 'cxprobe.bot.first_response_seconds',
  botBudgetSeconds: 'cxprobe.bot.budget_seconds',
  botOverBudget: 'cxprobe.bot.over_budget',
  closeCode: 'cxprobe.ws.close_code',
  /** The classified close reason (`abnormal_closure`, `ping_timeout`, …), not the peer's text. */
  closeReason: 'cxprobe.ws.close_reason',
  abnormal: 'cxprobe.ws.abnormal',
  sessionSeconds: 'cxprobe.ws.session_seconds',
  /** Which attempt of a reconnect episode a connect span is (1-based). */
  reconnectAttempt: 'cxprobe.reconnect.attempt',
  reconnectAttempts: 'cxprobe.reconnect.attempts',
  /** The first back-off delay of the episode. */
  backoffSeconds: 'cxprobe.reconnect.backoff_seconds',
  backoffTotalSeconds: 'cxprobe.reconnect.backoff_total_seconds',
  restored: 'cxprobe.reconnect.restored',
  framesSent: 'cxprobe.audio.frames_sent',
  framesReceived: 'cxprobe.audio.frames_received',
  framesLost: 'cxprobe.audio.frames_lost',
  framesLate: 'cxprobe.audio.frames_late',
  gaps: 'cxprobe.audio.gaps',
  gapSeconds: 'cxprobe.audio.gap_seconds',
  jitterSeconds: 'cxprobe.audio.jitter_seconds',
  maxDeviationSeconds: 'cxprobe.audio.max_deviation_seconds',
  turnLatencySeconds: 'cxprobe.audio.turn_latency_seconds',
  mos: 'cxprobe.audio.mos',
  rFactor: 'cxprobe.audio.r_factor',
  violations: 'cxprobe.audio.violations',
  violationKind: 'cxprobe.audio.violation',
} as const;

/** The attribute holding a phase's duration, e.g. `cxprobe.phase.first_byte_seconds`. */
export function phaseAttribute(phase: string): string {
  return `${CXPROBE_ATTR.phasePrefix}${phase}_seconds`;
}

/** What a URL contributes to a span: `url.full` without secrets, `server.address` and port. */
export function urlAttributes(raw: string, redact: Redactor): Attributes {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return {};
  }
  // Rebuilt without userinfo or fragment, and with no credential in the query string.
  const query = [...url.searchParams]
    .map(([name, value]) =>
      isSecretQueryParam(name) || isSensitiveHeader(name)
        ? `${encodeURIComponent(name)}=${REDACTED}`
        : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    )
    .join('&');
  const full = `${url.protocol}//${url.host}${url.pathname}${query === '' ? '' : `?${query}`}`;
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  return {
    // The config's own secrets (a token in a path, say) are scrubbed like everywhere else.
    [ATTR_URL_FULL]: redact(full),
    [ATTR_SERVER_ADDRESS]: redact(url.hostname.replace(/^\[(.*)\]$/, '$1')),
    ...(port === undefined ? {} : { [ATTR_SERVER_PORT]: port }),
  };
}

function defaultPort(protocol: string): number | undefined {
  switch (protocol) {
    case 'http:':
    case 'ws:':
      return 80;
    case 'https:':
    case 'wss:':
      return 443;
    default:
      return undefined;
  }
}

/**
 * The attributes every span of a target starts with: its name and kind, and where it goes
 * (`url.full`, `server.address`, `server.port`, `http.request.method`, `network.protocol.name`).
 * Computed once per target, from the config (its kind says where it points), never from what a
 * probe sent on the wire: the URL a session really connects to may carry a fresh token (query
 * credentials) or be a Genesys `connectUri`, and neither belongs in a trace.
 */
export function targetAttributes(
  target: { name: string; kind: string },
  endpoint: { url?: string; method?: string; protocol: string; secretPathSuffix?: boolean },
  redact: Redactor,
): Attributes {
  const attributes: Attributes = {
    [CXPROBE_ATTR.target]: target.name,
    [CXPROBE_ATTR.kind]: target.kind,
    ...(endpoint.url === undefined ? {} : urlAttributes(endpoint.url, redact)),
    ...(endpoint.method === undefined ? {} : { [ATTR_HTTP_REQUEST_METHOD]: endpoint.method }),
    [ATTR_NETWORK_PROTOCOL_NAME]: endpoint.protocol,
  };
  const base = attributes[ATTR_URL_FULL];
  // The path's last segment is a credential (a URL token): it never appears, whatever the
  // redactor knows.
  if (endpoint.secretPathSuffix === true && typeof base === 'string')
    attributes[ATTR_URL_FULL] = `${base.replace(/\/+$/, '')}/${REDACTED}`;
  return attributes;
}

/** Only the target's identity, for spans that do not describe a request (bot turns). */
export function identityAttributes(attributes: Attributes): Attributes {
  return {
    [CXPROBE_ATTR.target]: attributes[CXPROBE_ATTR.target],
    [CXPROBE_ATTR.kind]: attributes[CXPROBE_ATTR.kind],
  };
}
