import type { Target } from '../config/load.ts';
import type { ProbeEvent, ProbeResult, SessionEnd } from '../events/probe-event.ts';
import type { Metrics } from '../metrics/catalogue.ts';
import { closeCodeLabel } from '../metrics/close-codes.ts';
import { observe, type Exemplar } from '../metrics/observe.ts';

/** Status codes kept as their own label value; anything else is counted as `other`. */
const KNOWN_STATUS = /^(?:[1-5]\d\d)$/;

/** Known close reasons get their series up front so alerts and rate() work from the first scrape. */
const PRECREATED_CLOSES = [
  { code: '1006', reason: 'abnormal_closure', abnormal: 'true' },
  { code: '1006', reason: 'ping_timeout', abnormal: 'true' },
  { code: '1001', reason: 'planned', abnormal: 'false' },
  { code: '1011', reason: 'server_close', abnormal: 'true' },
];

/** Inbound is what cxprobe receives; outbound what it sends. */
const INBOUND = 'inbound';

/** How a target is probed, as far as its series are concerned. */
export interface MetricsTraits {
  mode: 'cycle' | 'session';
  botTurns: boolean;
}

/** One target's handler: an event, and the exemplar its observations carry. */
export type MetricsHandler = (event: ProbeEvent, exemplar: Exemplar | undefined) => void;

/**
 * The metrics sink: the only place that knows how probe events map onto the catalogue, so
 * probers stay free of prom-client. One instance per exporter; one handler per target.
 */
export class MetricsSink {
  private histogramPhases: ReadonlySet<string> = new Set(['first_byte', 'total']);

  constructor(private readonly metrics: Metrics) {}

  /** Chooses the phases that get histograms; a change drops the old phase series. */
  setHistogramPhases(phases: readonly string[]): void {
    const next = new Set(phases);
    const changed =
      next.size !== this.histogramPhases.size ||
      [...next].some((phase) => !this.histogramPhases.has(phase));
    this.histogramPhases = next;
    if (changed) this.metrics.httpDuration.reset();
  }

  /** Sets the per-kind target counts. */
  setTargetCounts(targets: readonly Target[]): void {
    this.metrics.targetsConfigured.reset();
    for (const target of targets) this.metrics.targetsConfigured.inc({ kind: target.kind });
  }

  /**
   * Pre-creates a target's series, so rate() and absence alerts work from the first scrape, and
   * returns the handler of its events.
   */
  addTarget(target: Target, traits: MetricsTraits): MetricsHandler {
    const { metrics } = this;
    const name = target.name;
    const labels = { target: name, kind: target.kind };
    // probe_success is left absent until the first result: first runs are spread across the
    // interval, and a pre-created 0 would page for targets that simply have not run yet.
    metrics.probesTotal.inc({ ...labels, result: 'success' }, 0);
    metrics.probeTimeout.set(labels, target.timeout / 1000);
    const budgetMs = traits.botTurns && 'budget' in target ? target.budget : undefined;
    if (traits.mode === 'cycle') {
      metrics.rateLimited.inc({ target: name }, 0);
      metrics.retryAfterUntil.set({ target: name }, 0);
      metrics.httpDuration.zero({ target: name, phase: 'total' });
      if (budgetMs !== undefined) {
        metrics.botTurnDuration.zero({ target: name });
        metrics.botTurnsOverBudget.inc({ target: name }, 0);
        metrics.botTurnBudget.set({ target: name }, budgetMs / 1000);
      }
    } else {
      metrics.wsConnected.set({ target: name }, 0);
      metrics.wsReconnectBackoff.set({ target: name }, 0);
      for (const close of PRECREATED_CLOSES) metrics.wsCloses.inc({ target: name, ...close }, 0);
      for (const layer of ['control', 'application'])
        metrics.wsPingsLost.inc({ target: name, layer }, 0);
      metrics.wsHeartbeatsMissed.inc({ target: name }, 0);
    }
    const handler = new TargetMetrics(target, budgetMs, metrics, () => this.histogramPhases);
    return (event, exemplar) => {
      handler.handle(event, exemplar);
    };
  }

  /** Removes every series of a target that left the config. */
  async removeTarget(name: string): Promise<void> {
    const m = this.metrics;
    const perTarget = [
      m.probeSuccess,
      m.probesTotal,
      m.probeDuration,
      m.probeTimeout,
      m.lastProbeTimestamp,
      m.httpDuration,
      m.httpPhase,
      m.httpResponses,
      m.rateLimited,
      m.retryAfterUntil,
      m.tlsCertExpiry,
      m.botTurnDuration,
      m.botTurnsOverBudget,
      m.botTurnBudget,
      m.botFirstResponse,
      m.wsConnectDuration,
      m.wsConnectPhase,
      m.wsConnectFailures,
      m.wsPingRtt,
      m.wsPingsLost,
      m.wsConnected,
      m.wsCloses,
      m.wsReconnects,
      m.wsReconnectBackoff,
      m.wsSessionDuration,
      m.wsHeartbeatGap,
      m.wsHeartbeatsMissed,
      m.audioDeviation,
      m.audioJitter,
      m.audioFrames,
      m.audioFramesLost,
      m.audioGaps,
      m.audioGapSeconds,
      m.audioSendLag,
      m.audioTurnLatency,
      m.audioEventLatency,
      m.audioMos,
      m.audioRFactor,
      m.audioViolations,
    ];
    for (const metric of perTarget) {
      const { values } = await metric.get();
      for (const { labels } of values) {
        if (labels.target === name)
          (metric as { remove(labels: object): void }).remove(stripHistogramLabels(labels));
      }
    }
  }
}

/** One target's events onto its series. */
class TargetMetrics {
  private readonly labels: { target: string; kind: string };
  private readonly own: { target: string };
  /** `probe_success` of a session target is 1 only while it is connected and healthy. */
  private connected = false;

  constructor(
    target: Target,
    private readonly budgetMs: number | undefined,
    private readonly metrics: Metrics,
    private readonly histogramPhases: () => ReadonlySet<string>,
  ) {
    this.labels = { target: target.name, kind: target.kind };
    this.own = { target: target.name };
  }

  handle(event: ProbeEvent, exemplar: Exemplar | undefined): void {
    const { metrics, labels, own } = this;
    switch (event.type) {
      case 'cycle_ended':
        this.cycleEnded(event.result, exemplar);
        return;
      case 'connected': {
        const { phases } = event;
        for (const [phase, seconds] of Object.entries(phases))
          metrics.wsConnectPhase.set({ ...own, phase }, seconds);
        // One histogram for the whole connect: a histogram per phase cost 14 series each for
        // something that happens once per session (the 2,000-session benchmark showed it).
        if (phases.protocol_open !== undefined) {
          observe(
            metrics.wsConnectDuration,
            { ...own, phase: 'protocol_open' },
            phases.protocol_open,
            exemplar,
          );
        }
        metrics.probesTotal.inc({ ...labels, result: 'success' });
        metrics.probeDuration.set(
          labels,
          Object.values(phases).reduce((longest, value) => Math.max(longest, value), 0),
        );
        metrics.wsConnected.set(own, 1);
        metrics.wsReconnectBackoff.set(own, 0);
        this.connected = true;
        this.setSuccess(1);
        return;
      }
      case 'connect_failed': {
        const { reason, httpStatus } = event;
        // A connect that failed with an unclassified error is a bug in cxprobe, not the peer.
        if (reason === 'internal') metrics.internalErrors.inc({ source: 'session' });
        metrics.probesTotal.inc({ ...labels, result: reason });
        metrics.wsConnectFailures.inc({
          ...own,
          reason,
          status: httpStatus === undefined ? 'none' : String(httpStatus),
        });
        if (httpStatus !== undefined)
          metrics.httpResponses.inc({ ...own, code: String(httpStatus) });
        this.setSuccess(0);
        return;
      }
      case 'ping':
        observe(metrics.wsPingRtt, { ...own, layer: event.layer }, event.rttSeconds, exemplar);
        return;
      case 'ping_lost':
        metrics.wsPingsLost.inc({ ...own, layer: event.layer });
        return;
      case 'heartbeat':
        metrics.wsHeartbeatGap.observe(own, event.gapSeconds);
        return;
      case 'heartbeat_missed':
        metrics.wsHeartbeatsMissed.inc(own);
        return;
      case 'turn':
        if (event.firstResponseSeconds !== undefined)
          observe(metrics.botFirstResponse, own, event.firstResponseSeconds, exemplar);
        if (event.ok) observe(metrics.botTurnDuration, own, event.turnSeconds, exemplar);
        this.countOverBudget(event.turnSeconds);
        metrics.probesTotal.inc({ ...labels, result: event.ok ? 'success' : event.reason });
        return;
      case 'health':
        this.setSuccess(event.healthy && this.connected ? 1 : 0);
        return;
      case 'closed':
        this.closed(event.end, event.sessionSeconds);
        return;
      case 'reconnecting':
        metrics.wsReconnects.inc({ ...own, reason: event.reason });
        metrics.wsReconnectBackoff.set(own, event.delaySeconds);
        return;
      case 'frame_sent':
        metrics.audioSendLag.observe(own, Math.max(0, event.lateSeconds));
        metrics.audioFrames.inc({ ...own, direction: 'outbound' });
        return;
      case 'frame_received': {
        const inbound = { ...own, direction: INBOUND };
        metrics.audioFrames.inc(inbound);
        if (event.deviationSeconds !== undefined)
          observe(metrics.audioDeviation, inbound, event.deviationSeconds, exemplar);
        metrics.audioJitter.set(inbound, event.jitterSeconds);
        return;
      }
      case 'loss': {
        const inbound = { ...own, direction: INBOUND };
        if (event.lost > 0)
          metrics.audioFramesLost.inc({ ...inbound, cause: 'missing' }, event.lost);
        if (event.late > 0) metrics.audioFramesLost.inc({ ...inbound, cause: 'late' }, event.late);
        if (event.gaps > 0) metrics.audioGaps.inc(inbound, event.gaps);
        if (event.gapSeconds > 0) metrics.audioGapSeconds.inc(inbound, event.gapSeconds);
        return;
      }
      case 'turn_latency':
        observe(metrics.audioTurnLatency, own, event.seconds, exemplar);
        return;
      case 'event_latency':
        metrics.audioEventLatency.observe(own, event.seconds);
        return;
      case 'quality':
        metrics.audioRFactor.set(own, event.rFactor);
        metrics.audioMos.set(own, event.mos);
        return;
      case 'violation':
        metrics.audioViolations.inc({ ...own, kind: event.kind });
        return;
      case 'cycle_started':
      case 'cycle_cancelled':
      case 'cycle_scheduled':
      case 'attempt_started':
      case 'stopped':
      case 'log':
        return;
    }
  }

  /** Records one probe cycle. */
  private cycleEnded(result: ProbeResult, exemplar: Exemplar | undefined): void {
    const { metrics, labels, own } = this;
    // A prober that threw is a bug in cxprobe (the cycle runner turned it into this reason).
    if (result.reason === 'internal') metrics.internalErrors.inc({ source: 'probe' });
    metrics.probeSuccess.set(labels, result.success ? 1 : 0);
    metrics.probesTotal.inc({ ...labels, result: result.reason });
    metrics.probeDuration.set(labels, result.durationSeconds);
    metrics.lastProbeTimestamp.set(labels, Date.now() / 1000);
    const histogramPhases = this.histogramPhases();
    for (const [phase, seconds] of Object.entries(result.phases ?? {})) {
      const phaseLabels = { ...own, phase };
      metrics.httpPhase.set(phaseLabels, seconds);
      if (histogramPhases.has(phase)) observe(metrics.httpDuration, phaseLabels, seconds, exemplar);
    }
    if (result.httpStatus !== undefined) {
      const code = String(result.httpStatus);
      metrics.httpResponses.inc({ ...own, code: KNOWN_STATUS.test(code) ? code : 'other' });
    }
    if (result.reason === 'rate_limited') {
      metrics.rateLimited.inc(own);
      const until =
        result.retryAfterMs === undefined ? 0 : (Date.now() + result.retryAfterMs) / 1000;
      metrics.retryAfterUntil.set(own, until);
    } else {
      metrics.retryAfterUntil.set(own, 0);
    }
    if (result.certExpiresAt !== undefined) metrics.tlsCertExpiry.set(own, result.certExpiresAt);
    if (result.botTurnSeconds !== undefined && this.budgetMs !== undefined) {
      if (result.success) observe(metrics.botTurnDuration, own, result.botTurnSeconds, exemplar);
      this.countOverBudget(result.botTurnSeconds);
    }
  }

  private closed(end: SessionEnd, sessionSeconds: number): void {
    const { metrics, own } = this;
    if (end.reason === 'internal_error') metrics.internalErrors.inc({ source: 'session' });
    metrics.wsCloses.inc({
      ...own,
      code: closeCodeLabel(end.code),
      reason: end.reason,
      abnormal: String(end.abnormal),
    });
    metrics.wsSessionDuration.observe(own, sessionSeconds);
    metrics.wsConnected.set(own, 0);
    this.connected = false;
    // A session that ran its course (audio kinds between scheduled sessions) is not a failure.
    if (end.abnormal) this.setSuccess(0);
  }

  private countOverBudget(turnSeconds: number): void {
    if (this.budgetMs !== undefined && turnSeconds * 1000 > this.budgetMs)
      this.metrics.botTurnsOverBudget.inc(this.own);
  }

  private setSuccess(value: 0 | 1): void {
    this.metrics.probeSuccess.set(this.labels, value);
    this.metrics.lastProbeTimestamp.set(this.labels, Date.now() / 1000);
  }
}

/** Histogram values carry `le`; remove() wants only the declared labels. */
function stripHistogramLabels(
  labels: Record<string, string | number | undefined>,
): Record<string, string | number> {
  const result: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(labels))
    if (key !== 'le' && value !== undefined) result[key] = value;
  return result;
}
