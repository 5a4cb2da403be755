import type { ProbeLog } from '../types.ts';

/** Why a session ended; bounded, becomes the `reason` label of closes and reconnects. */
export const CLOSE_REASONS = {
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
  unauthorized: 'the server refused the session (AudioHook disconnect unauthorized)',
  server_error: 'the server ended the session with an error (disconnect error, error message)',
  token_expired: 'the server closed the channel because the token that created it expired',
  internal_error: 'a bug in cxprobe while handling what the peer sent; see the log',
  open_failed:
    'the connection was up but the session could not be set up (e.g. its audio source failed)',
} as const;
export type CloseReason = keyof typeof CLOSE_REASONS;

/** Connect phases of a persistent session. */
export const CONNECT_PHASES = ['dns', 'tcp', 'tls', 'upgrade', 'protocol_open'] as const;
export type ConnectPhase = (typeof CONNECT_PHASES)[number];

export type PingLayer = 'control' | 'application';

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

/** Audio measurements of a streaming session; the exporter turns them into `audio_*` metrics. */
export interface AudioEvents {
  /** One of our frames went out `lateSeconds` after its deadline. */
  frameSent: (lateSeconds: number) => void;
  /** A frame came back; `deviationSeconds` is RFC 3550 |D| against the previous one. */
  frameReceived: (deviationSeconds: number | undefined, jitterSeconds: number) => void;
  /** Playout-buffer verdicts since the last report. */
  loss: (counts: { lost: number; late: number; gaps: number; gapSeconds: number }) => void;
  /** End of our utterance → first non-silent audio from the bot. */
  turnLatency: (seconds: number) => void;
  /** A transcript (or other) event arrived this long after the audio it covers was sent. */
  eventLatency: (seconds: number) => void;
  /** The E-model estimate for the session so far. */
  quality: (rFactor: number, mos: number) => void;
  /** A protocol rule the server broke (wrong seq, bad media selection, …); bounded kinds. */
  violation: (kind: string) => void;
}

/**
 * What persistent probers report while they run. The exporter turns these into metrics; the
 * probers never see prom-client.
 */
export interface SessionEvents {
  connected: (phases: Partial<Record<ConnectPhase, number>>) => void;
  /** A connect attempt failed; `httpStatus` when the upgrade was answered with a status. */
  connectFailed: (reason: string, httpStatus: number | undefined, message: string) => void;
  ping: (layer: PingLayer, rttSeconds: number) => void;
  /** A pong never came; `fatal` when it ended the session (half-open detection). */
  pingLost: (layer: PingLayer) => void;
  heartbeat: (gapSeconds: number) => void;
  heartbeatMissed: () => void;
  /** A bot turn over the session: first response and complete turn. */
  turn: (
    firstResponseSeconds: number | undefined,
    turnSeconds: number,
    ok: boolean,
    reason: string,
  ) => void;
  /** The session is healthy (1) or degraded (0) without being closed. */
  healthy: (healthy: boolean, reason: string) => void;
  closed: (end: SessionEnd, sessionSeconds: number) => void;
  reconnecting: (reason: CloseReason, delaySeconds: number) => void;
}

/** One live session as a protocol opened it. */
export interface OpenSession {
  /** Resolves exactly once, when the session is over, however it ended. */
  readonly ended: Promise<SessionEnd>;
  /** Ends the session from our side (shutdown); resolves `ended` with reason `shutdown`. */
  close: () => void;
  /**
   * Cuts the session at once, without waiting on the peer: called when a `close` did not end it
   * within the shutdown grace (a peer that ignores the close handshake or stalls a close
   * transaction). Resolves `ended` (reason `shutdown` unless already decided).
   */
  terminate?: () => void;
}

/** Everything a protocol needs for one connect attempt. */
export interface SessionContext {
  events: SessionEvents;
  audio: AudioEvents;
  log: ProbeLog;
  /** Aborted when the target is stopped. */
  signal: AbortSignal;
}

/** A persistent prober: knows how to open one session of its protocol. */
export interface SessionProtocol {
  /** Opens a session; rejects with {@link ConnectError} when it cannot. */
  open: (context: SessionContext) => Promise<OpenSession>;
}

/** A connect attempt that failed, classified. */
export class ConnectError extends Error {
  readonly code = 'ERR_SESSION_CONNECT';
  constructor(
    /** A probe reason code (`unauthorized`, `timeout`, `dns_error`, …). */
    readonly reason: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}
