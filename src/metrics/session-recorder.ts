import type { Target } from '../config/load.ts';
import { botBudgetMs } from '../config/bot-budget.ts';
import type { AudioEvents, SessionEnd, SessionEvents } from '../probers/session/types.ts';
import { closeCodeLabel } from '../probers/session/close-codes.ts';
import { observe } from '../tracing/exemplars.ts';
import type { Metrics } from './catalogue.ts';

/** What the landing page shows of a live session. */
export interface SessionState {
  connected: boolean;
  connectedSince: number | undefined;
  lastRtt: { layer: string; seconds: number } | undefined;
  lastClose: { code: number; reason: string; abnormal: boolean; at: number } | undefined;
  lastConnectError: string | undefined;
  closes: number;
  reconnects: number;
}

/** Known reasons get their series up front so alerts and rate() work from the first scrape. */
const PRECREATED_CLOSES = [
  { code: '1006', reason: 'abnormal_closure', abnormal: 'true' },
  { code: '1006', reason: 'ping_timeout', abnormal: 'true' },
  { code: '1001', reason: 'planned', abnormal: 'false' },
  { code: '1011', reason: 'server_close', abnormal: 'true' },
];

/**
 * Turns one session target's events into metrics and keeps its live state. Connect attempts
 * count as probes (`cxprobe_probes_total`), and `probe_success` is 1 while the session is up
 * and healthy.
 */
export function createSessionRecorder(
  target: Target,
  metrics: Metrics,
): { events: SessionEvents; audio: AudioEvents; state: SessionState } {
  const name = target.name;
  const labels = { target: name, kind: target.kind };
  const state: SessionState = {
    connected: false,
    connectedSince: undefined,
    lastRtt: undefined,
    lastClose: undefined,
    lastConnectError: undefined,
    closes: 0,
    reconnects: 0,
  };
  metrics.wsConnected.set({ target: name }, 0);
  metrics.wsReconnectBackoff.set({ target: name }, 0);
  metrics.probesTotal.inc({ ...labels, result: 'success' }, 0);
  metrics.probeTimeout.set(labels, target.timeout / 1000);
  for (const close of PRECREATED_CLOSES) metrics.wsCloses.inc({ target: name, ...close }, 0);
  for (const layer of ['control', 'application'])
    metrics.wsPingsLost.inc({ target: name, layer }, 0);
  metrics.wsHeartbeatsMissed.inc({ target: name }, 0);

  const setSuccess = (value: 0 | 1) => {
    metrics.probeSuccess.set(labels, value);
    metrics.lastProbeTimestamp.set(labels, Date.now() / 1000);
  };

  const events: SessionEvents = {
    connected(phases) {
      for (const [phase, seconds] of Object.entries(phases)) {
        metrics.wsConnectPhase.set({ target: name, phase }, seconds);
      }
      // One histogram for the whole connect: a histogram per phase cost 14 series each for
      // something that happens once per session (the 2,000-session benchmark showed it).
      if (phases.protocol_open !== undefined) {
        observe(
          metrics.wsConnectDuration,
          { target: name, phase: 'protocol_open' },
          phases.protocol_open,
        );
      }
      metrics.probesTotal.inc({ ...labels, result: 'success' });
      metrics.probeDuration.set(
        labels,
        Object.values(phases).reduce((sum, value) => Math.max(sum, value), 0),
      );
      metrics.wsConnected.set({ target: name }, 1);
      metrics.wsReconnectBackoff.set({ target: name }, 0);
      setSuccess(1);
      state.connected = true;
      state.connectedSince = Date.now();
      state.lastConnectError = undefined;
    },
    connectFailed(reason, httpStatus, message) {
      metrics.probesTotal.inc({ ...labels, result: reason });
      metrics.wsConnectFailures.inc({
        target: name,
        reason,
        status: httpStatus === undefined ? 'none' : String(httpStatus),
      });
      if (httpStatus !== undefined)
        metrics.httpResponses.inc({ target: name, code: String(httpStatus) });
      setSuccess(0);
      state.lastConnectError = `${reason}: ${message}`;
    },
    ping(layer, rttSeconds) {
      observe(metrics.wsPingRtt, { target: name, layer }, rttSeconds);
      state.lastRtt = { layer, seconds: rttSeconds };
    },
    pingLost(layer) {
      metrics.wsPingsLost.inc({ target: name, layer });
    },
    heartbeat(gapSeconds) {
      metrics.wsHeartbeatGap.observe({ target: name }, gapSeconds);
    },
    heartbeatMissed() {
      metrics.wsHeartbeatsMissed.inc({ target: name });
    },
    turn(firstResponseSeconds, turnSeconds, ok, reason) {
      if (firstResponseSeconds !== undefined)
        observe(metrics.botFirstResponse, { target: name }, firstResponseSeconds);
      if (ok) observe(metrics.botTurnDuration, { target: name }, turnSeconds);
      const budget = botBudgetMs('budget' in target ? target : {});
      if (turnSeconds * 1000 > budget) metrics.botTurnsOverBudget.inc({ target: name });
      metrics.probesTotal.inc({ ...labels, result: ok ? 'success' : reason });
    },
    healthy(healthy) {
      setSuccess(healthy && state.connected ? 1 : 0);
    },
    closed(end: SessionEnd, sessionSeconds) {
      metrics.wsCloses.inc({
        target: name,
        code: closeCodeLabel(end.code),
        reason: end.reason,
        abnormal: String(end.abnormal),
      });
      metrics.wsSessionDuration.observe({ target: name }, sessionSeconds);
      metrics.wsConnected.set({ target: name }, 0);
      // A session that ran its course (audio kinds between scheduled sessions) is not a failure.
      if (end.abnormal) setSuccess(0);
      state.connected = false;
      state.connectedSince = undefined;
      state.closes++;
      state.lastClose = {
        code: end.code,
        reason: end.reason,
        abnormal: end.abnormal,
        at: Date.now(),
      };
    },
    reconnecting(reason, delaySeconds) {
      metrics.wsReconnects.inc({ target: name, reason });
      metrics.wsReconnectBackoff.set({ target: name }, delaySeconds);
      state.reconnects++;
    },
  };
  const audio = createAudioRecorder(name, metrics);
  return { events, audio, state };
}

/** Inbound is what cxprobe receives; outbound what it sends. */
const INBOUND = 'inbound';

function createAudioRecorder(name: string, metrics: Metrics): AudioEvents {
  const inbound = { target: name, direction: INBOUND };
  return {
    frameSent(lateSeconds) {
      metrics.audioSendLag.observe({ target: name }, Math.max(0, lateSeconds));
      metrics.audioFrames.inc({ target: name, direction: 'outbound' });
    },
    frameReceived(deviationSeconds, jitterSeconds) {
      metrics.audioFrames.inc(inbound);
      if (deviationSeconds !== undefined)
        observe(metrics.audioDeviation, inbound, deviationSeconds);
      metrics.audioJitter.set(inbound, jitterSeconds);
    },
    loss({ lost, late, gaps, gapSeconds }) {
      if (lost > 0) metrics.audioFramesLost.inc({ ...inbound, cause: 'missing' }, lost);
      if (late > 0) metrics.audioFramesLost.inc({ ...inbound, cause: 'late' }, late);
      if (gaps > 0) metrics.audioGaps.inc(inbound, gaps);
      if (gapSeconds > 0) metrics.audioGapSeconds.inc(inbound, gapSeconds);
    },
    turnLatency(seconds) {
      observe(metrics.audioTurnLatency, { target: name }, seconds);
    },
    eventLatency(seconds) {
      metrics.audioEventLatency.observe({ target: name }, seconds);
    },
    quality(rFactor, mos) {
      metrics.audioRFactor.set({ target: name }, rFactor);
      metrics.audioMos.set({ target: name }, mos);
    },
    violation(kind) {
      metrics.audioViolations.inc({ target: name, kind });
    },
  };
}
