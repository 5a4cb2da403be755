import type { AlertForDurations, MonitoringConfig, Severity } from './config.ts';
import { durationSeconds, lines, num, sel } from './promql.ts';
import { recordNames, type RuleGroup } from './rules.ts';
import { DASHBOARD_UIDS, type DashboardKey } from './uids.ts';
import { renderYaml } from './yaml.ts';

/** Every alert name cxprobe's rules define (some under two severities). */
export const ALERT_NAMES = [
  'CxprobeExporterDown',
  'CxprobeExporterAbsent',
  'CxprobeConfigReloadFailed',
  'CxprobeEventLoopLagHigh',
  'CxprobeProbeFailing',
  'CxprobeProbeErrorBudgetBurn',
  'CxprobeWebSocketPingRttHigh',
  'CxprobeWebSocketDropRateHigh',
  'CxprobeWebSocketReconnectStorm',
  'CxprobeWebSocketHeartbeatsMissing',
  'CxprobeAudioJitterHigh',
  'CxprobeAudioMosLow',
  'CxprobeBotTurnsOverBudget',
  'CxprobeTokenRefreshFailing',
  'CxprobeTlsCertificateExpiringSoon',
  'CxprobeRateLimited',
] as const;

export type AlertName = (typeof ALERT_NAMES)[number];

/** The alerts that mean cxprobe itself is gone: Alertmanager inhibits the others meanwhile. */
export const EXPORTER_ALERT_NAMES: readonly AlertName[] = [
  'CxprobeExporterDown',
  'CxprobeExporterAbsent',
];

/** Which labels an alert carries, so its dashboard link can pre-fill the variables. */
type LinkVars = 'job' | 'job_instance' | 'job_instance_target';

interface AlertSpec {
  alert: AlertName;
  severity: Severity;
  for: string;
  expr: string;
  summary: string;
  description: string;
  labels?: Record<string, string>;
  dashboard?: { key: DashboardKey; vars: LinkVars };
}

/** A rule as it appears in prometheus/alerts.yml. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** `docs/runbook.md#alert-name-<lowercase>` under the config's runbook base. */
export function runbookUrl(config: MonitoringConfig, alert: string): string {
  return `${config.runbookBase}#alert-name-${alert.toLowerCase()}`;
}

const LINK_VARS: Readonly<Record<LinkVars, readonly string[]>> = {
  job: ['job'],
  job_instance: ['job', 'instance'],
  job_instance_target: ['job', 'instance', 'target'],
};

function dashboardUrl(
  config: MonitoringConfig,
  dashboard: NonNullable<AlertSpec['dashboard']>,
): string {
  const query = LINK_VARS[dashboard.vars]
    .map((name) => `var-${name}={{ $labels.${name} }}`)
    .join('&');
  return `${config.dashboardBase}/d/${DASHBOARD_UIDS[dashboard.key]}?${query}`;
}

/** Whole days as `14 * 86400`, which reads better in PromQL than 1209600. */
function secondsExpr(seconds: number): string {
  return seconds % 86_400 === 0 ? `${num(seconds / 86_400)} * 86400` : num(seconds);
}

function percent(ratio: number): string {
  return `${num(ratio * 100)}%`;
}

function days(seconds: number): string {
  const value = Number((seconds / 86_400).toFixed(1));
  return `${String(value)} ${value === 1 ? 'day' : 'days'}`;
}

/** The alert definitions, grouped as in prometheus/alerts.yml. */
function alertSpecs(config: MonitoringConfig): { name: string; alerts: AlertSpec[] }[] {
  const t = config.thresholds;
  const f = config.for;
  const w = config.windows;
  const names = recordNames(config);
  const s = (...extra: string[]) => sel(config, ...extra);

  const exporter: AlertSpec[] = [
    {
      alert: 'CxprobeExporterDown',
      severity: 'critical',
      for: f.exporterDown,
      expr: `up${s()} == 0`,
      summary: 'cxprobe cannot be scraped.',
      description: `Prometheus has failed to scrape cxprobe at {{ $labels.instance }} (job {{ $labels.job }}) for ${f.exporterDown}: no probe results arrive, so the other cxprobe alerts of this job are inhibited until it is back.`,
      dashboard: { key: 'exporter', vars: 'job_instance' },
    },
    {
      alert: 'CxprobeExporterAbsent',
      severity: 'critical',
      for: f.exporterAbsent,
      // absent() returns one series labelled from the selector's equality matchers when no
      // `up` series exists at all: the scrape target vanished from service discovery.
      expr: `absent(up${s()})`,
      summary: 'cxprobe is not being scraped at all.',
      description: `Prometheus has had no scrape target for job {{ $labels.job }} for ${f.exporterAbsent}: the scrape configuration or service discovery lost cxprobe, so nothing it probes is monitored.`,
      dashboard: { key: 'exporter', vars: 'job' },
    },
    {
      alert: 'CxprobeConfigReloadFailed',
      severity: 'warning',
      for: f.configReloadFailed,
      expr: `cxprobe_config_last_reload_successful${s()} == 0`,
      summary: 'cxprobe rejected its new configuration.',
      description:
        'cxprobe at {{ $labels.instance }} rejected its configuration file on the last reload and keeps running the previous one. Run `cxprobe check-config` on the file to see every error.',
      dashboard: { key: 'exporter', vars: 'job_instance' },
    },
    {
      alert: 'CxprobeEventLoopLagHigh',
      severity: 'warning',
      for: f.eventLoopLag,
      expr: `cxprobe_event_loop_delay_seconds${s('percentile="99"')} > ${num(t.eventLoopP99Seconds)}`,
      summary: "cxprobe's event loop is starved.",
      description:
        'The p99 event-loop delay of cxprobe at {{ $labels.instance }} is {{ $value | humanizeDuration }}: the timings it measures (ping RTT, jitter, bot turns) now include its own stalls and read worse than the network is.',
      dashboard: { key: 'exporter', vars: 'job_instance' },
    },
  ];

  const objective = config.slo.objective;
  const probes: AlertSpec[] = [
    {
      alert: 'CxprobeProbeFailing',
      severity: 'critical',
      for: f.probeFailing,
      expr: `cxprobe_probe_success${s()} == 0`,
      summary: 'A cxprobe target is failing.',
      description: `The {{ $labels.kind }} target {{ $labels.target }} has been failing for ${f.probeFailing} (seen from {{ $labels.instance }}). The landing page shows the failure reason; /logs has the probe log.`,
      dashboard: { key: 'overview', vars: 'job_instance_target' },
    },
    ...config.slo.windows.map((pair): AlertSpec => {
      const budget = `${num(pair.factor)} * (1 - ${num(objective)})`;
      return {
        alert: 'CxprobeProbeErrorBudgetBurn',
        severity: pair.severity,
        for: pair.for,
        labels: { long: pair.long, short: pair.short },
        expr: lines(
          '# Both windows must burn faster than the factor: the long one shows the budget going,',
          '# the short one that it is still going, so the alert resolves soon after a fix.',
          `${names.probeFailureRatio(pair.long)}${s()} > (${budget})`,
          'and on (job, instance, target)',
          `${names.probeFailureRatio(pair.short)}${s()} > (${budget})`,
          '# A handful of probes is no SLI: a session target that reconnected twice, once in',
          '# vain, would otherwise show a 50 % failure ratio.',
          'and on (job, instance, target)',
          `sum by (job, instance, target) (increase(cxprobe_probes_total${s()}[${pair.long}])) >= ${num(config.slo.minProbes)}`,
        ),
        summary: 'A target is burning its probe error budget.',
        description: `{{ $labels.target }} failed {{ $value | humanizePercentage }} of its probes over the last ${pair.long} and is still failing over the last ${pair.short}: budget burning ${num(pair.factor)}× as fast as its ${percent(objective)} success objective allows, which spends a 30-day error budget in about ${days((30 * 86_400) / pair.factor)}.`,
        dashboard: { key: 'overview', vars: 'job_instance_target' },
      };
    }),
  ];

  const websocket: AlertSpec[] = [
    {
      alert: 'CxprobeWebSocketPingRttHigh',
      severity: 'warning',
      for: f.wsPingRttHigh,
      expr: lines(
        `${names.wsPingRttP95}${s()} > ${num(t.wsPingRttP95Seconds)}`,
        '# A p95 of a few pings is one unlucky sample: require enough pings in the window.',
        'and on (job, instance, target, layer)',
        `sum by (job, instance, target, layer) (increase(cxprobe_ws_ping_rtt_seconds_count${s()}[${w.latency}])) >= ${num(t.wsPingMinSamples)}`,
      ),
      summary: 'WebSocket ping round trips are slow.',
      description: `The p95 {{ $labels.layer }} ping round trip of {{ $labels.target }} over the last ${w.latency} is {{ $value | humanizeDuration }}, above ${num(t.wsPingRttP95Seconds)}s.`,
      dashboard: { key: 'websocket', vars: 'job_instance_target' },
    },
    {
      alert: 'CxprobeWebSocketDropRateHigh',
      severity: 'warning',
      for: f.wsDropRateHigh,
      expr: lines(
        '# Every session ends in exactly one close, so closes count sessions: alert when enough',
        '# sessions were dropped with 1006 (TCP lost without a close frame) and they are a',
        '# sizeable share of all sessions that ended (short audio sessions end all the time).',
        `${names.wsClosesIncrease}${s('code="1006"')} >= ${num(t.wsDropMinCount)}`,
        'and on (job, instance, target)',
        '(',
        `    ${names.wsClosesIncrease}${s('code="1006"')}`,
        '  / ignoring (code)',
        `    sum by (job, instance, target) (${names.wsClosesIncrease}${s()})`,
        `) > ${num(t.wsDropRatio)}`,
      ),
      summary: 'WebSocket sessions keep dropping with 1006.',
      description: `{{ $labels.target }} lost {{ $value | humanize }} sessions with close code 1006 (TCP gone without a close frame) in the last ${w.drops}, more than ${percent(t.wsDropRatio)} of the sessions that ended.`,
      dashboard: { key: 'websocket', vars: 'job_instance_target' },
    },
    {
      alert: 'CxprobeWebSocketReconnectStorm',
      severity: 'warning',
      for: f.wsReconnectStorm,
      expr: lines(
        '# Audio sessions reconnect after every completed session and Genesys channels roll',
        '# over daily by design: neither is a storm.',
        `sum by (job, instance, target) (increase(cxprobe_ws_reconnects_total${s('reason!~"completed|rollover"')}[${w.events}])) >= ${num(t.wsReconnectCount)}`,
      ),
      summary: 'WebSocket sessions are reconnecting in a loop.',
      description: `{{ $labels.target }} reconnected {{ $value | humanize }} times in the last ${w.events}, not counting completed audio sessions and channel rollovers.`,
      dashboard: { key: 'websocket', vars: 'job_instance_target' },
    },
    {
      alert: 'CxprobeWebSocketHeartbeatsMissing',
      severity: 'warning',
      for: f.wsHeartbeatsMissing,
      expr: `sum by (job, instance, target) (increase(cxprobe_ws_heartbeats_missed_total${s()}[${w.events}])) >= ${num(t.wsHeartbeatsMissedCount)}`,
      summary: 'Server heartbeats are missing.',
      description: `{{ $labels.target }} missed {{ $value | humanize }} expected server heartbeats in the last ${w.events}: the server, or something in between, stopped delivering messages on a socket that still looked open.`,
      dashboard: { key: 'websocket', vars: 'job_instance_target' },
    },
  ];

  const audio: AlertSpec[] = [
    {
      alert: 'CxprobeAudioJitterHigh',
      severity: 'warning',
      for: f.audioJitterHigh,
      expr: lines(
        `${names.audioDeviationP95}${s()} > ${num(t.audioJitterP95Seconds)}`,
        '# Only targets that streamed enough frames in the window: a p95 needs samples.',
        'and on (job, instance, target, direction)',
        `sum by (job, instance, target, direction) (increase(cxprobe_audio_interarrival_deviation_seconds_count${s()}[${w.latency}])) >= ${num(t.audioMinFrames)}`,
      ),
      summary: 'Audio jitter is high.',
      description: `The p95 per-frame interarrival deviation of the {{ $labels.direction }} audio of {{ $labels.target }} over the last ${w.latency} is {{ $value | humanizeDuration }}, above ${num(t.audioJitterP95Seconds)}s.`,
      dashboard: { key: 'audio', vars: 'job_instance_target' },
    },
    ...(
      [
        ['warning', t.mosWarning],
        ['critical', t.mosCritical],
      ] as const
    ).map(([severity, mos]): AlertSpec => ({
      alert: 'CxprobeAudioMosLow',
      severity,
      for: f.audioMosLow,
      expr: lines(
        `cxprobe_audio_mos${s()} < ${num(mos)}`,
        "# The gauge keeps the last session's value: only trust it while the target streams.",
        'and on (job, instance, target)',
        `sum by (job, instance, target) (increase(cxprobe_audio_frames_total${s('direction="outbound"')}[${w.audio}])) >= ${num(t.audioMinFrames)}`,
      ),
      summary: 'Estimated call quality (MOS) is low.',
      description: `The E-model MOS estimate of {{ $labels.target }} is {{ printf "%.2f" $value }}, below ${num(mos)}: callers on this path would notice delay, jitter or loss.`,
      dashboard: { key: 'audio', vars: 'job_instance_target' },
    })),
  ];

  const bots: AlertSpec[] = [
    {
      alert: 'CxprobeBotTurnsOverBudget',
      severity: 'warning',
      for: f.botTurnsOverBudget,
      expr: lines(
        `${names.botOverBudgetRatio}${s()} > ${num(t.botOverBudgetRatio)}`,
        '# Enough turns for a ratio to mean something (2 slow turns out of 3 is not a trend).',
        'and on (job, instance, target)',
        `sum by (job, instance, target) (increase(cxprobe_bot_turn_duration_seconds_count${s()}[${w.events}])) >= ${num(t.botMinTurns)}`,
      ),
      summary: 'Bot turns are over budget.',
      description: `{{ $value | humanizePercentage }} of the bot turns of {{ $labels.target }} took longer than its budget over the last ${w.events} (threshold ${percent(t.botOverBudgetRatio)}).`,
      dashboard: { key: 'overview', vars: 'job_instance_target' },
    },
  ];

  const auth: AlertSpec[] = [
    {
      alert: 'CxprobeTokenRefreshFailing',
      severity: 'warning',
      for: f.tokenRefreshFailing,
      expr: lines(
        `sum by (job, instance, credential) (increase(cxprobe_oauth_token_requests_total${s('result!="success"')}[${w.events}])) >= ${num(t.tokenFailureCount)}`,
        '# A failed request zeroes the expiry gauge; a token with time left means a later request',
        '# succeeded and the credential has recovered.',
        'unless on (job, instance, credential)',
        `(cxprobe_oauth_token_expiry_timestamp_seconds${s()} - time()) > ${num(t.tokenMinRemainingSeconds)}`,
      ),
      summary: 'OAuth token requests are failing.',
      description: `Credential {{ $labels.credential }} had {{ $value | humanize }} failed token requests in the last ${w.events} and holds no token valid for another ${num(t.tokenMinRemainingSeconds)}s: every target using it fails with auth_failed.`,
      dashboard: { key: 'overview', vars: 'job_instance' },
    },
    ...(
      [
        ['warning', t.certWarningSeconds, f.tlsCertExpiringWarning],
        ['critical', t.certCriticalSeconds, f.tlsCertExpiringCritical],
      ] as const
    ).map(([severity, seconds, forDuration]): AlertSpec => ({
      alert: 'CxprobeTlsCertificateExpiringSoon',
      severity,
      for: forDuration,
      expr: `(cxprobe_tls_cert_expiry_timestamp_seconds${s()} - time()) < ${secondsExpr(seconds)}`,
      summary: 'A TLS certificate expires soon.',
      description: `The certificate presented by {{ $labels.target }} expires in {{ $value | humanizeDuration }} (threshold ${days(seconds)}).`,
      dashboard: { key: 'overview', vars: 'job_instance_target' },
    })),
    {
      alert: 'CxprobeRateLimited',
      severity: 'warning',
      for: f.rateLimited,
      expr: `sum by (job, instance, target) (increase(cxprobe_rate_limited_total${s()}[${w.events}])) >= ${num(t.rateLimitedCount)}`,
      summary: 'A target is rate limiting cxprobe.',
      description: `{{ $labels.target }} answered 429 Too Many Requests {{ $value | humanize }} times in the last ${w.events}; cxprobe waits for Retry-After, so the target is probed less often than configured.`,
      dashboard: { key: 'overview', vars: 'job_instance_target' },
    },
  ];

  return [
    { name: 'cxprobe-exporter.alerts', alerts: exporter },
    { name: 'cxprobe-probes.alerts', alerts: probes },
    { name: 'cxprobe-websocket.alerts', alerts: websocket },
    { name: 'cxprobe-audio.alerts', alerts: audio },
    { name: 'cxprobe-bots.alerts', alerts: bots },
    { name: 'cxprobe-auth.alerts', alerts: auth },
  ];
}

/** The alerting rule groups of prometheus/alerts.yml. */
export function alertRuleGroups(config: MonitoringConfig): RuleGroup<AlertRule>[] {
  // Validates every duration once, so a typo in a config fails here and not in Prometheus.
  const windows = config.windows;
  const forKeys = Object.keys(config.for) as (keyof AlertForDurations)[];
  for (const duration of [
    windows.latency,
    windows.events,
    windows.drops,
    windows.audio,
    ...forKeys.map((key) => config.for[key]),
    ...config.slo.windows.flatMap((pair) => [pair.long, pair.short, pair.for]),
  ]) {
    durationSeconds(duration);
  }
  const interval =
    config.evaluationInterval === undefined ? {} : { interval: config.evaluationInterval };
  return alertSpecs(config).map((group) => ({
    name: group.name,
    ...interval,
    rules: group.alerts.map((spec) => ({
      alert: spec.alert,
      expr: spec.expr,
      for: spec.for,
      labels: { severity: spec.severity, ...spec.labels },
      annotations: {
        summary: spec.summary,
        description: spec.description,
        runbook_url: runbookUrl(config, spec.alert),
        ...(spec.dashboard === undefined
          ? {}
          : { dashboard_url: dashboardUrl(config, spec.dashboard) }),
      },
    })),
  }));
}

/** prometheus/alerts.yml: every alert. */
export function renderAlerts(config: MonitoringConfig): string {
  return renderYaml({ groups: alertRuleGroups(config) });
}
