import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric cxprobe exports: name, type, labels and buckets in one place (DESIGN.md's
 * catalogue). Label values only ever come from config names and the bounded enums in
 * `src/events/reasons.ts`, never from remote text, URLs or tokens.
 */

const NAMESPACE = 'cxprobe';

/** REST round trips: 5 ms resolution where regions differ, up to the default 10 s timeout. */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10,
];

/** Bot turns: sub-second NLP answers up to the 30 s Digital Bot Connector budget and beyond. */
export const BOT_TURN_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 30, 45, 60];

/** WebSocket connects: DNS through upgrade, plus the protocol's own open handshake. */
export const WS_CONNECT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Ping RTT: millisecond resolution where a call is still fine, up to seconds where it is not. */
export const PING_RTT_BUCKETS = [
  0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5,
  1, 2, 5,
];

/** Session lifetimes: seconds (reconnect storms) to a day (Genesys channel lifetime). */
export const SESSION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600];

/** Per-frame deviation: sub-millisecond to the 200 ms of a whole AudioHook frame. */
export const AUDIO_DEVIATION_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2,
];

/** Sender pacing error: anything above a few ms means the prober itself is starved. */
export const SEND_LAG_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

/** Voice-bot turn latency: what a caller perceives as a pause. */
export const TURN_LATENCY_BUCKETS = [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8];

/** Heartbeat gaps around the Genesys 30 s period. */
export const HEARTBEAT_BUCKETS = [1, 5, 10, 20, 25, 28, 30, 32, 35, 45, 60, 90, 120];

export type Metrics = ReturnType<typeof createMetrics>;

/** Where an internal error (a bug) was caught: the bounded `source` of `internal_errors_total`. */
export const INTERNAL_ERROR_SOURCES = [
  'uncaught_exception',
  'unhandled_rejection',
  'probe',
  'session',
  'sink',
] as const;
export type InternalErrorSource = (typeof INTERNAL_ERROR_SOURCES)[number];

const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Creates the catalogue on two registries holding the same metric objects: one renders the
 * Prometheus text format, the other OpenMetrics (the only format that carries exemplars).
 */
export function createMetrics(build: { version: string; revision: string }) {
  const loopDelay = new LoopDelayWindow();
  const openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const registers = [openMetrics];

  const metrics = {
    probeSuccess: new Gauge({
      name: `${NAMESPACE}_probe_success`,
      help: '1 if the last probe of the target succeeded (or its live session is healthy), else 0.',
      labelNames: ['target', 'kind'] as const,
      registers,
    }),
    probesTotal: new Counter({
      name: `${NAMESPACE}_probes_total`,
      help: 'Probe cycles by outcome: "success" or a failure reason code.',
      labelNames: ['target', 'kind', 'result'] as const,
      registers,
    }),
    probeDuration: new Gauge({
      name: `${NAMESPACE}_probe_duration_seconds`,
      help: 'How long the last probe of the target took.',
      labelNames: ['target', 'kind'] as const,
      registers,
    }),
    probeTimeout: new Gauge({
      name: `${NAMESPACE}_probe_timeout_seconds`,
      help: 'The configured probe timeout, to compare with cxprobe_probe_duration_seconds.',
      labelNames: ['target', 'kind'] as const,
      registers,
    }),
    lastProbeTimestamp: new Gauge({
      name: `${NAMESPACE}_probe_last_run_timestamp_seconds`,
      help: 'Unix time the last probe of the target finished.',
      labelNames: ['target', 'kind'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: `${NAMESPACE}_http_request_duration_seconds`,
      help: 'HTTP request duration by phase (dns, connect, tls, request, first_byte, download, total).',
      labelNames: ['target', 'phase'] as const,
      buckets: HTTP_DURATION_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    httpPhase: new Gauge({
      name: `${NAMESPACE}_http_phase_duration_seconds`,
      help: 'Duration of each HTTP phase in the last probe (histograms: see global.http_phase_histograms).',
      labelNames: ['target', 'phase'] as const,
      registers,
    }),
    httpResponses: new Counter({
      name: `${NAMESPACE}_http_responses_total`,
      help: 'HTTP responses received, by status code.',
      labelNames: ['target', 'code'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: `${NAMESPACE}_rate_limited_total`,
      help: 'HTTP 429 responses; the target is not probed again before Retry-After.',
      labelNames: ['target'] as const,
      registers,
    }),
    retryAfterUntil: new Gauge({
      name: `${NAMESPACE}_rate_limited_until_timestamp_seconds`,
      help: 'Unix time before which the target is not probed because of Retry-After (0 when not limited).',
      labelNames: ['target'] as const,
      registers,
    }),
    tlsCertExpiry: new Gauge({
      name: `${NAMESPACE}_tls_cert_expiry_timestamp_seconds`,
      help: 'Unix time the earliest-expiring certificate presented by an https target expires.',
      labelNames: ['target'] as const,
      registers,
    }),
    oauthTokenRequests: new Counter({
      name: `${NAMESPACE}_oauth_token_requests_total`,
      help: 'OAuth token requests by credential and result (success or a reason code).',
      labelNames: ['credential', 'result'] as const,
      registers,
    }),
    oauthTokenExpiry: new Gauge({
      name: `${NAMESPACE}_oauth_token_expiry_timestamp_seconds`,
      help: 'Unix time the cached token of the credential expires (0 when none).',
      labelNames: ['credential'] as const,
      registers,
    }),
    botTurnDuration: new Histogram({
      name: `${NAMESPACE}_bot_turn_duration_seconds`,
      help: 'Time from sending a synthetic user turn to the complete bot reply.',
      labelNames: ['target'] as const,
      buckets: BOT_TURN_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    botTurnsOverBudget: new Counter({
      name: `${NAMESPACE}_bot_turns_over_budget_total`,
      help: "Bot turns slower than the target's budget (timeouts included once they pass it).",
      labelNames: ['target'] as const,
      registers,
    }),
    botTurnBudget: new Gauge({
      name: `${NAMESPACE}_bot_turn_budget_seconds`,
      help: 'The configured bot turn budget of the target.',
      labelNames: ['target'] as const,
      registers,
    }),
    wsConnectDuration: new Histogram({
      name: `${NAMESPACE}_ws_connect_duration_seconds`,
      help: 'Time to a usable session (phase="protocol_open": DNS to the protocol\'s own open handshake); per-phase detail in cxprobe_ws_connect_phase_seconds.',
      labelNames: ['target', 'phase'] as const,
      buckets: WS_CONNECT_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    wsConnectPhase: new Gauge({
      name: `${NAMESPACE}_ws_connect_phase_seconds`,
      help: 'Each phase of the last session connect (dns, tcp, tls, upgrade, protocol_open).',
      labelNames: ['target', 'phase'] as const,
      registers,
    }),
    wsConnectFailures: new Counter({
      name: `${NAMESPACE}_ws_connect_failures_total`,
      help: 'Failed session connects by reason and HTTP status of the refused upgrade ("none" if not refused).',
      labelNames: ['target', 'reason', 'status'] as const,
      registers,
    }),
    wsPingRtt: new Histogram({
      name: `${NAMESPACE}_ws_ping_rtt_seconds`,
      help: "Ping to pong round trip: RFC 6455 control frames or the protocol's own ping.",
      labelNames: ['target', 'layer'] as const,
      buckets: PING_RTT_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    wsPingsLost: new Counter({
      name: `${NAMESPACE}_ws_pings_lost_total`,
      help: 'Pings that never got their pong (timed out, or skipped by a later pong).',
      labelNames: ['target', 'layer'] as const,
      registers,
    }),
    wsConnected: new Gauge({
      name: `${NAMESPACE}_ws_connected`,
      help: '1 while the session is up.',
      labelNames: ['target'] as const,
      registers,
    }),
    wsCloses: new Counter({
      name: `${NAMESPACE}_ws_closes_total`,
      help: 'Every session close by code, reason and whether it was abnormal (1006, ping timeouts, unannounced closes).',
      labelNames: ['target', 'code', 'reason', 'abnormal'] as const,
      registers,
    }),
    wsReconnects: new Counter({
      name: `${NAMESPACE}_ws_reconnects_total`,
      help: 'Reconnect attempts by the cause that made them necessary.',
      labelNames: ['target', 'reason'] as const,
      registers,
    }),
    wsReconnectBackoff: new Gauge({
      name: `${NAMESPACE}_ws_reconnect_backoff_seconds`,
      help: 'The back-off before the reconnect in progress (0 when connected).',
      labelNames: ['target'] as const,
      registers,
    }),
    wsSessionDuration: new Histogram({
      name: `${NAMESPACE}_ws_session_duration_seconds`,
      help: 'How long sessions lived before they closed.',
      labelNames: ['target'] as const,
      buckets: SESSION_BUCKETS,
      registers,
    }),
    wsHeartbeatGap: new Histogram({
      name: `${NAMESPACE}_ws_heartbeat_gap_seconds`,
      help: 'Time between consecutive server heartbeats.',
      labelNames: ['target'] as const,
      buckets: HEARTBEAT_BUCKETS,
      registers,
    }),
    wsHeartbeatsMissed: new Counter({
      name: `${NAMESPACE}_ws_heartbeats_missed_total`,
      help: 'Expected server heartbeats that did not arrive.',
      labelNames: ['target'] as const,
      registers,
    }),
    audioDeviation: new Histogram({
      name: `${NAMESPACE}_audio_interarrival_deviation_seconds`,
      help: "Per-frame RFC 3550 |D|: how far each frame's spacing strayed from the media clock. p95 jitter comes from here.",
      labelNames: ['target', 'direction'] as const,
      buckets: AUDIO_DEVIATION_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    audioJitter: new Gauge({
      name: `${NAMESPACE}_audio_jitter_seconds`,
      help: 'RFC 3550 running interarrival jitter estimate.',
      labelNames: ['target', 'direction'] as const,
      registers,
    }),
    audioFrames: new Counter({
      name: `${NAMESPACE}_audio_frames_total`,
      help: 'Audio frames by direction (outbound: sent by cxprobe, inbound: received).',
      labelNames: ['target', 'direction'] as const,
      registers,
    }),
    audioFramesLost: new Counter({
      name: `${NAMESPACE}_audio_frames_lost_total`,
      help: 'Inbound frames that never arrived, or arrived after their playout time (late).',
      labelNames: ['target', 'direction', 'cause'] as const,
      registers,
    }),
    audioGaps: new Counter({
      name: `${NAMESPACE}_audio_gaps_total`,
      help: 'Playout gaps: runs of media the playout buffer had nothing for.',
      labelNames: ['target', 'direction'] as const,
      registers,
    }),
    audioGapSeconds: new Counter({
      name: `${NAMESPACE}_audio_gap_seconds_total`,
      help: 'Total media time the playout buffer ran dry.',
      labelNames: ['target', 'direction'] as const,
      registers,
    }),
    audioSendLag: new Histogram({
      name: `${NAMESPACE}_audio_send_lag_seconds`,
      help: "How late cxprobe's own sender put each frame on the wire (pacing error), so it is never mistaken for network jitter.",
      labelNames: ['target'] as const,
      buckets: SEND_LAG_BUCKETS,
      registers,
    }),
    audioTurnLatency: new Histogram({
      name: `${NAMESPACE}_audio_turn_latency_seconds`,
      help: "End of the synthetic caller's utterance to the first non-silent bot audio.",
      labelNames: ['target'] as const,
      buckets: TURN_LATENCY_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    audioEventLatency: new Histogram({
      name: `${NAMESPACE}_audio_event_latency_seconds`,
      help: 'Audio sent to the transcript event that covers it.',
      labelNames: ['target'] as const,
      buckets: TURN_LATENCY_BUCKETS,
      registers,
    }),
    audioMos: new Gauge({
      name: `${NAMESPACE}_audio_mos`,
      help: 'ITU-T G.107 E-model MOS estimate (G.711 with PLC) from delay, jitter buffer and loss.',
      labelNames: ['target'] as const,
      registers,
    }),
    audioRFactor: new Gauge({
      name: `${NAMESPACE}_audio_r_factor`,
      help: 'ITU-T G.107 E-model transmission rating R.',
      labelNames: ['target'] as const,
      registers,
    }),
    audioViolations: new Counter({
      name: `${NAMESPACE}_audio_protocol_violations_total`,
      help: 'Protocol rules the server broke (sequence numbers, media selection, message size, …).',
      labelNames: ['target', 'kind'] as const,
      registers,
    }),
    botFirstResponse: new Histogram({
      name: `${NAMESPACE}_bot_first_response_seconds`,
      help: 'Time from sending a synthetic user turn to the first bot output (streaming bots).',
      labelNames: ['target'] as const,
      buckets: BOT_TURN_BUCKETS,
      registers,
      enableExemplars: true,
    }),
    configReloadSuccess: new Gauge({
      name: `${NAMESPACE}_config_last_reload_successful`,
      help: 'Whether the last configuration reload attempt was successful.',
      registers,
    }),
    configReloadTimestamp: new Gauge({
      name: `${NAMESPACE}_config_last_reload_success_timestamp_seconds`,
      help: 'Unix time of the last successful configuration reload.',
      registers,
    }),
    configReloads: new Counter({
      name: `${NAMESPACE}_config_reloads_total`,
      help: 'Configuration reload attempts by result.',
      labelNames: ['result'] as const,
      registers,
    }),
    internalErrors: new Counter({
      name: `${NAMESPACE}_internal_errors_total`,
      help: 'Errors cxprobe did not expect (bugs), by where they were caught; the process keeps running.',
      labelNames: ['source'] as const,
      registers,
    }),
    targetsConfigured: new Gauge({
      name: `${NAMESPACE}_targets`,
      help: 'Configured targets by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    eventLoopDelay: new Gauge({
      name: `${NAMESPACE}_event_loop_delay_seconds`,
      help: 'Event-loop delay percentiles (50, 99, 100) over a rolling window of about a minute; a starved loop delays every measurement.',
      labelNames: ['percentile'] as const,
      registers,
      collect() {
        loopDelay.collect(this);
      },
    }),
    buildInfo: new Gauge({
      name: `${NAMESPACE}_build_info`,
      help: 'Build information; always 1.',
      labelNames: ['version', 'revision', 'nodejs_version'] as const,
      registers,
    }),
  };

  metrics.buildInfo.set(
    { version: build.version, revision: build.revision, nodejs_version: process.version },
    1,
  );
  for (const result of ['success', 'failure'] as const) metrics.configReloads.inc({ result }, 0);
  for (const source of INTERNAL_ERROR_SOURCES) metrics.internalErrors.inc({ source }, 0);
  // Process metrics and the event-loop delay (nodejs_eventloop_lag_p99_seconds and friends).
  collectDefaultMetrics({ register: openMetrics, eventLoopMonitoringPrecision: 10 });
  // prom-client names these gauges `_total`, which promtool rightly flags as a counter suffix;
  // the same figures remain as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
  for (const name of LINT_FAILING_DEFAULT_METRICS) openMetrics.removeSingleMetric(name);

  const prometheus = new Registry();
  for (const { name } of openMetrics.getMetricsAsArray()) {
    const metric = openMetrics.getSingleMetric(name);
    if (metric !== undefined) prometheus.registerMetric(metric);
  }

  return { ...metrics, registries: { prometheus, openMetrics } };
}

/**
 * Event-loop delay percentiles over a window that rolls every minute, not at every scrape.
 * prom-client's own lag metrics reset at each scrape, so a stall caused by the scrape itself
 * (rendering thousands of series) lands in a window nobody reads; this one keeps it.
 */
class LoopDelayWindow {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private windowStart = Date.now();

  constructor() {
    this.histogram.enable();
  }

  collect(gauge: Gauge<'percentile'>): void {
    const seconds = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
    gauge.set({ percentile: '50' }, seconds(this.histogram.percentile(50)));
    gauge.set({ percentile: '99' }, seconds(this.histogram.percentile(99)));
    gauge.set({ percentile: '100' }, seconds(this.histogram.max));
    if (Date.now() - this.windowStart >= 60_000) {
      this.histogram.reset();
      this.windowStart = Date.now();
    }
  }
}
