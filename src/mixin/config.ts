/**
 * The one monitoring configuration: every selector, window, threshold, `for` duration and SLO
 * target that the recording rules, the alerts and the dashboards read (the mixin `_config`).
 * Durations are Prometheus duration strings (`30s`, `5m`, `1h`, `1d`).
 */

/** Alert severities, the only static label Alertmanager routes on. */
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One window pair of a multi-window, multi-burn-rate SLO alert (SRE Workbook, sloth). */
export interface BurnRateWindow {
  severity: Severity;
  /** Long window: how much budget was spent. */
  long: string;
  /** Short window, about 1/12 of the long one: makes the alert stop soon after the problem. */
  short: string;
  /** Burn rate both windows must exceed: e.g. 14.4 spends 2 % of a 30-day budget in 1 h. */
  factor: number;
  for: string;
}

/** Every alert's `for` duration, by a short key of the alert. */
export interface AlertForDurations {
  exporterDown: string;
  exporterAbsent: string;
  configReloadFailed: string;
  eventLoopLag: string;
  probeFailing: string;
  wsPingRttHigh: string;
  wsDropRateHigh: string;
  wsReconnectStorm: string;
  wsHeartbeatsMissing: string;
  audioJitterHigh: string;
  audioMosLow: string;
  botTurnsOverBudget: string;
  tokenRefreshFailing: string;
  tlsCertExpiringWarning: string;
  tlsCertExpiringCritical: string;
  rateLimited: string;
}

export interface MonitoringConfig {
  /** The Prometheus job that scrapes cxprobe; the dashboards' `job` variable lists jobs like it. */
  job: string;
  /** Label matchers (without braces) selecting cxprobe's series in rules and alerts. */
  selector: string;
  /** Scrape interval of that job; rate windows must be at least twice as long. */
  scrapeInterval: string;
  /** Evaluation interval of every rule group; `undefined` keeps Prometheus' global one. */
  evaluationInterval: string | undefined;
  /** Where `docs/runbook.md` is published; `#alert-name-<lowercase name>` is appended. */
  runbookBase: string;
  /** Grafana's base URL; alerts link to `<dashboardBase>/d/<uid>?var-…`. */
  dashboardBase: string;
  /** Rate and increase windows of the recording rules and alerts. */
  windows: {
    /** Quantiles of ping RTT, audio deviation, REST and bot-turn latency. */
    latency: string;
    /** Counts of events: reconnects, missed heartbeats, token failures, 429s, slow bot turns. */
    events: string;
    /** 1006 drops: long enough for a few drops to count as a pattern. */
    drops: string;
    /** How recently a target must have streamed audio for its MOS gauge to count. */
    audio: string;
  };
  for: AlertForDurations;
  thresholds: {
    /** p95 WebSocket ping RTT (seconds); a bucket boundary of cxprobe_ws_ping_rtt_seconds. */
    wsPingRttP95Seconds: number;
    /** Pings needed in the latency window before the p95 means anything. */
    wsPingMinSamples: number;
    /** Share of ended sessions that ended with 1006. */
    wsDropRatio: number;
    /** 1006 drops needed in the drops window (one lone drop is not a pattern). */
    wsDropMinCount: number;
    /** Reconnects (other than after a completed audio session or a rollover) per events window. */
    wsReconnectCount: number;
    /** Missed heartbeats per events window. */
    wsHeartbeatsMissedCount: number;
    /** p95 per-frame interarrival deviation (seconds); a bucket boundary. */
    audioJitterP95Seconds: number;
    /** Frames needed in the latency window before the jitter p95 counts. */
    audioMinFrames: number;
    /** MOS below this is a warning. */
    mosWarning: number;
    /** MOS below this is critical. */
    mosCritical: number;
    /** Share of bot turns over their budget. */
    botOverBudgetRatio: number;
    /** Successful bot turns needed in the events window. */
    botMinTurns: number;
    /** Failed token requests per events window. */
    tokenFailureCount: number;
    /** A token with at least this many seconds left means the credential recovered. */
    tokenMinRemainingSeconds: number;
    /** Certificate lifetime left (seconds) for the warning. */
    certWarningSeconds: number;
    /** Certificate lifetime left (seconds) for the critical alert. */
    certCriticalSeconds: number;
    /** 429 answers per events window. */
    rateLimitedCount: number;
    /** p99 event-loop delay (seconds) above which every measurement is suspect. */
    eventLoopP99Seconds: number;
  };
  /** Probe success SLO per target, from cxprobe_probes_total. */
  slo: {
    /** Share of probes that must succeed, e.g. 0.995. */
    objective: number;
    /** Probes needed in the long window: persistent sessions rarely reconnect, so one failed
     * connect out of two must not page. */
    minProbes: number;
    windows: readonly BurnRateWindow[];
  };
}

/** Production defaults: what `npm run mixin` renders into prometheus/ and grafana/. */
export const monitoringConfig: MonitoringConfig = {
  job: 'cxprobe',
  selector: 'job="cxprobe"',
  scrapeInterval: '15s',
  evaluationInterval: undefined,
  runbookBase: 'docs/runbook.md',
  dashboardBase: 'http://localhost:3000',
  windows: { latency: '5m', events: '15m', drops: '1h', audio: '10m' },
  for: {
    exporterDown: '5m',
    exporterAbsent: '15m',
    configReloadFailed: '10m',
    eventLoopLag: '15m',
    probeFailing: '5m',
    wsPingRttHigh: '10m',
    wsDropRateHigh: '5m',
    wsReconnectStorm: '5m',
    wsHeartbeatsMissing: '5m',
    audioJitterHigh: '10m',
    audioMosLow: '10m',
    botTurnsOverBudget: '15m',
    tokenRefreshFailing: '5m',
    tlsCertExpiringWarning: '1h',
    tlsCertExpiringCritical: '15m',
    rateLimited: '5m',
  },
  thresholds: {
    wsPingRttP95Seconds: 0.3,
    wsPingMinSamples: 20,
    wsDropRatio: 0.1,
    wsDropMinCount: 3,
    wsReconnectCount: 10,
    wsHeartbeatsMissedCount: 2,
    audioJitterP95Seconds: 0.03,
    audioMinFrames: 100,
    mosWarning: 3.6,
    mosCritical: 3.1,
    botOverBudgetRatio: 0.1,
    botMinTurns: 10,
    tokenFailureCount: 3,
    tokenMinRemainingSeconds: 30,
    certWarningSeconds: 14 * 86_400,
    certCriticalSeconds: 2 * 86_400,
    rateLimitedCount: 3,
    eventLoopP99Seconds: 0.1,
  },
  slo: {
    objective: 0.995,
    minProbes: 20,
    windows: [
      { severity: 'critical', long: '1h', short: '5m', factor: 14.4, for: '2m' },
      { severity: 'critical', long: '6h', short: '30m', factor: 6, for: '15m' },
      { severity: 'warning', long: '1d', short: '2h', factor: 3, for: '1h' },
      { severity: 'warning', long: '3d', short: '6h', factor: 1, for: '3h' },
    ],
  },
};

/**
 * The same rules for a stack test that scrapes and evaluates every second: `for` of 0s–15s,
 * windows of 30s–1m and lower minimum counts, so each alert can fire within a minute or two of
 * its fault. Value thresholds (RTT, jitter, MOS, ratios) stay as in production, so the faults a
 * stack test injects are the ones that matter in production.
 */
export const stackTestConfig: MonitoringConfig = {
  ...monitoringConfig,
  scrapeInterval: '1s',
  evaluationInterval: '1s',
  windows: { latency: '30s', events: '1m', drops: '1m', audio: '1m' },
  for: {
    exporterDown: '10s',
    exporterAbsent: '15s',
    configReloadFailed: '5s',
    eventLoopLag: '15s',
    probeFailing: '10s',
    wsPingRttHigh: '5s',
    wsDropRateHigh: '0s',
    wsReconnectStorm: '0s',
    wsHeartbeatsMissing: '0s',
    audioJitterHigh: '5s',
    audioMosLow: '5s',
    botTurnsOverBudget: '5s',
    tokenRefreshFailing: '5s',
    tlsCertExpiringWarning: '0s',
    tlsCertExpiringCritical: '0s',
    rateLimited: '0s',
  },
  thresholds: {
    ...monitoringConfig.thresholds,
    wsPingMinSamples: 5,
    wsDropMinCount: 1,
    wsReconnectCount: 3,
    wsHeartbeatsMissedCount: 1,
    audioMinFrames: 20,
    botMinTurns: 3,
    tokenFailureCount: 1,
    rateLimitedCount: 1,
  },
  slo: {
    ...monitoringConfig.slo,
    minProbes: 3,
    windows: [
      { severity: 'critical', long: '1m', short: '30s', factor: 14.4, for: '0s' },
      { severity: 'critical', long: '2m', short: '30s', factor: 6, for: '5s' },
      { severity: 'warning', long: '5m', short: '1m', factor: 3, for: '10s' },
      { severity: 'warning', long: '10m', short: '2m', factor: 1, for: '15s' },
    ],
  },
};
