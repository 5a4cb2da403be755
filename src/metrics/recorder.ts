import type { Target } from '../config/load.ts';
import { botBudgetMs } from '../config/bot-budget.ts';
import type { ProbeResult } from '../probers/types.ts';
import { observe } from '../tracing/exemplars.ts';
import type { Metrics } from './catalogue.ts';

/** Status codes kept as their own label value; anything else is counted as `other`. */
const KNOWN_STATUS = /^(?:[1-5]\d\d)$/;

/**
 * Writes probe results into the catalogue. The only place that knows how a result maps onto
 * metrics, so probers stay free of prom-client.
 */
export class MetricsRecorder {
  private histogramPhases = new Set<string>(['first_byte', 'total']);

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

  /** Pre-creates a target's series so rate() and absence alerts work from the first scrape. */
  addTarget(target: Target): void {
    const { metrics } = this;
    const labels = { target: target.name, kind: target.kind };
    // probe_success is left absent until the first result: first runs are spread across the
    // interval, and a pre-created 0 would page for targets that simply have not run yet.
    metrics.probesTotal.inc({ ...labels, result: 'success' }, 0);
    metrics.probeTimeout.set(labels, target.timeout / 1000);
    metrics.rateLimited.inc({ target: target.name }, 0);
    metrics.retryAfterUntil.set({ target: target.name }, 0);
    metrics.httpDuration.zero({ target: target.name, phase: 'total' });
    if (isBotTarget(target)) {
      metrics.botTurnDuration.zero({ target: target.name });
      metrics.botTurnsOverBudget.inc({ target: target.name }, 0);
      metrics.botTurnBudget.set({ target: target.name }, budgetMs(target) / 1000);
    }
  }

  /** Removes every series of a target that left the config. */
  async removeTarget(name: string): Promise<void> {
    const perTarget = [
      this.metrics.probeSuccess,
      this.metrics.probesTotal,
      this.metrics.probeDuration,
      this.metrics.probeTimeout,
      this.metrics.lastProbeTimestamp,
      this.metrics.httpDuration,
      this.metrics.httpPhase,
      this.metrics.httpResponses,
      this.metrics.rateLimited,
      this.metrics.retryAfterUntil,
      this.metrics.tlsCertExpiry,
      this.metrics.botTurnDuration,
      this.metrics.botTurnsOverBudget,
      this.metrics.botTurnBudget,
      this.metrics.botFirstResponse,
      this.metrics.wsConnectDuration,
      this.metrics.wsConnectPhase,
      this.metrics.wsConnectFailures,
      this.metrics.wsPingRtt,
      this.metrics.wsPingsLost,
      this.metrics.wsConnected,
      this.metrics.wsCloses,
      this.metrics.wsReconnects,
      this.metrics.wsReconnectBackoff,
      this.metrics.wsSessionDuration,
      this.metrics.wsHeartbeatGap,
      this.metrics.wsHeartbeatsMissed,
      this.metrics.audioDeviation,
      this.metrics.audioJitter,
      this.metrics.audioFrames,
      this.metrics.audioFramesLost,
      this.metrics.audioGaps,
      this.metrics.audioGapSeconds,
      this.metrics.audioSendLag,
      this.metrics.audioTurnLatency,
      this.metrics.audioEventLatency,
      this.metrics.audioMos,
      this.metrics.audioRFactor,
      this.metrics.audioViolations,
    ];
    for (const metric of perTarget) {
      const { values } = await metric.get();
      for (const { labels } of values) {
        if (labels.target === name)
          (metric as { remove(labels: object): void }).remove(stripHistogramLabels(labels));
      }
    }
  }

  /** Records one probe cycle. */
  record(target: Target, result: ProbeResult): void {
    const { metrics } = this;
    const labels = { target: target.name, kind: target.kind };
    metrics.probeSuccess.set(labels, result.success ? 1 : 0);
    metrics.probesTotal.inc({ ...labels, result: result.reason });
    metrics.probeDuration.set(labels, result.durationSeconds);
    metrics.lastProbeTimestamp.set(labels, Date.now() / 1000);
    for (const [phase, seconds] of Object.entries(result.phases ?? {})) {
      const phaseLabels = { target: target.name, phase };
      metrics.httpPhase.set(phaseLabels, seconds);
      if (this.histogramPhases.has(phase)) observe(metrics.httpDuration, phaseLabels, seconds);
    }
    if (result.httpStatus !== undefined) {
      const code = String(result.httpStatus);
      metrics.httpResponses.inc({
        target: target.name,
        code: KNOWN_STATUS.test(code) ? code : 'other',
      });
    }
    if (result.reason === 'rate_limited') {
      metrics.rateLimited.inc({ target: target.name });
      const until =
        result.retryAfterMs === undefined ? 0 : (Date.now() + result.retryAfterMs) / 1000;
      metrics.retryAfterUntil.set({ target: target.name }, until);
    } else {
      metrics.retryAfterUntil.set({ target: target.name }, 0);
    }
    if (result.certExpiresAt !== undefined)
      metrics.tlsCertExpiry.set({ target: target.name }, result.certExpiresAt);
    if (isBotTarget(target) && result.botTurnSeconds !== undefined) {
      if (result.success)
        observe(metrics.botTurnDuration, { target: target.name }, result.botTurnSeconds);
      if (result.botTurnSeconds * 1000 > budgetMs(target))
        metrics.botTurnsOverBudget.inc({ target: target.name });
    }
  }

  /** Sets the per-kind target counts. */
  setTargetCounts(targets: readonly Target[]): void {
    this.metrics.targetsConfigured.reset();
    for (const target of targets) this.metrics.targetsConfigured.inc({ kind: target.kind });
  }
}

type BotTarget = Extract<
  Target,
  { kind: 'cognigy-rest' | 'genesys-bot-connector' | 'cxone-exchange' }
>;

export function isBotTarget(target: Target): target is BotTarget {
  return (
    target.kind === 'cognigy-rest' ||
    target.kind === 'genesys-bot-connector' ||
    target.kind === 'cxone-exchange'
  );
}

export function budgetMs(target: BotTarget): number {
  return botBudgetMs(target);
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
