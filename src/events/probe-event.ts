import type { HttpPhase } from '../config/http-phases.ts';
import type { AnyReason, CloseReason, Reason } from './reasons.ts';

/**
 * The one contract between what probes and what records: probers and the runtime emit these
 * events; every sink (metrics, traces, history, log) reads them, and nothing else. A new sink is
 * one more reader of this union (docs/architecture.md).
 *
 * Every field is a number, a flag or a bounded code, except `message`/`detail` text, which may
 * carry remote text: sinks redact it and never put it in a label or a span attribute.
 */
export type ProbeEvent = CycleEvent | SessionEvent | AudioEvent | LogEvent;

export { HTTP_PHASES, type HttpPhase } from '../config/http-phases.ts';

/** Connect phases of a persistent session. */
export const CONNECT_PHASES = ['dns', 'tcp', 'tls', 'upgrade', 'protocol_open'] as const;
export type ConnectPhase = (typeof CONNECT_PHASES)[number];

export type PingLayer = 'control' | 'application';

/** What one probe cycle found. Probers resolve to this and never throw. */
export interface ProbeResult {
  success: boolean;
  reason: Reason;
  /** Human detail for the probe log (may contain remote text; redacted and escaped on display). */
  message?: string;
  /** Wall time of the whole cycle, in seconds. */
  durationSeconds: number;
  /** HTTP phases of the last request, in seconds. */
  phases?: Partial<Record<HttpPhase, number>>;
  httpStatus?: number;
  /** Set on 429: do not probe this target again for this long. */
  retryAfterMs?: number;
  /** Unix seconds at which the earliest certificate of an https target expires. */
  certExpiresAt?: number;
  /** Bot kinds: the duration of the turn, in seconds (also on a timeout, for the budget). */
  botTurnSeconds?: number;
}

/** How a session ended. */
export interface SessionEnd {
  /** The close code seen (1006 when TCP vanished or we terminated without a close frame). */
  code: number;
  reason: CloseReason;
  /** True for drops the integration did not plan: 1006, ping timeouts, unannounced closes. */
  abnormal: boolean;
  /** Human detail for the log. */
  message: string;
  /** Reconnect without back-off (planned closes, rollovers). */
  immediate?: boolean;
  /** Wait exactly this long before the next session (scheduled sessions, Retry-After). */
  nextInMs?: number;
}

/** Request/response kinds: one cycle per interval, reported by the runtime around the prober. */
export type CycleEvent =
  | { type: 'cycle_started'; timeoutSeconds: number }
  /** The cycle's verdict; sinks redact `result.message` before they show it. */
  | { type: 'cycle_ended'; result: ProbeResult }
  /** Cut short by shutdown or reload: it says nothing about the target. */
  | { type: 'cycle_cancelled' }
  /** When the scheduler runs the target next (epoch ms). */
  | { type: 'cycle_scheduled'; nextAtMs: number };

/** Persistent kinds: the life of sessions, from the runtime and the protocol. */
export type SessionEvent =
  /** The runtime is about to open a session. */
  | { type: 'attempt_started' }
  | { type: 'connected'; phases: Partial<Record<ConnectPhase, number>> }
  /** A connect attempt failed; `httpStatus` when the upgrade was answered with a status. */
  | {
      type: 'connect_failed';
      /** An outcome (`unauthorized`, `timeout`, …) or why the session could not open (`open_timeout`). */
      reason: AnyReason;
      httpStatus: number | undefined;
      message: string;
      attemptSeconds: number;
    }
  | { type: 'ping'; layer: PingLayer; rttSeconds: number }
  /** A pong never came. */
  | { type: 'ping_lost'; layer: PingLayer }
  | { type: 'heartbeat'; gapSeconds: number }
  | { type: 'heartbeat_missed' }
  /** A bot turn over the session: first response and complete turn. */
  | {
      type: 'turn';
      firstResponseSeconds: number | undefined;
      turnSeconds: number;
      ok: boolean;
      reason: AnyReason;
    }
  /** The session is healthy or degraded without being closed; `detail` is for humans. */
  | { type: 'health'; healthy: boolean; detail: string }
  | { type: 'closed'; end: SessionEnd; sessionSeconds: number }
  | { type: 'reconnecting'; reason: CloseReason; delaySeconds: number }
  /** The runtime stopped the target: nothing more will be reported. */
  | { type: 'stopped' };

/** Audio measurements of a streaming session. */
export type AudioEvent =
  /** One of our frames went out `lateSeconds` after its deadline. */
  | { type: 'frame_sent'; lateSeconds: number }
  /** A frame came back; `deviationSeconds` is RFC 3550 |D| against the previous one. */
  | { type: 'frame_received'; deviationSeconds: number | undefined; jitterSeconds: number }
  /** Playout-buffer verdicts since the last report. */
  | { type: 'loss'; lost: number; late: number; gaps: number; gapSeconds: number }
  /** End of our utterance → first non-silent audio from the bot. */
  | { type: 'turn_latency'; seconds: number }
  /** A transcript (or other) event arrived this long after the audio it covers was sent. */
  | { type: 'event_latency'; seconds: number }
  /** The E-model estimate for the session so far. */
  | { type: 'quality'; rFactor: number; mos: number }
  /** A protocol rule the server broke (wrong seq, bad media selection, …); bounded kinds. */
  | { type: 'violation'; kind: string };

/** A line of the probe's own log (landing page, /logs, and the process log at debug). */
export interface LogEvent {
  type: 'log';
  level: 'info' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

/** Where probers and the runtime send events: one target's pipeline. */
export type Emit = (event: ProbeEvent) => void;

/** The log lines of a probe, written as events. */
export interface ProbeLog {
  info: (message: string, fields?: Record<string, unknown>) => void;
  error: (message: string, fields?: Record<string, unknown>) => void;
}

/** A {@link ProbeLog} that emits its lines as `log` events. */
export function logTo(emit: Emit): ProbeLog {
  return {
    info: (message, fields) => {
      emit({ type: 'log', level: 'info', message, ...(fields === undefined ? {} : { fields }) });
    },
    error: (message, fields) => {
      emit({ type: 'log', level: 'error', message, ...(fields === undefined ? {} : { fields }) });
    },
  };
}
