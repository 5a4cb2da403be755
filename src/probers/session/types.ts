import type { Emit, ProbeLog, SessionEnd } from '../../events/probe-event.ts';
import type { AnyReason } from '../../events/reasons.ts';

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
  /** The target's event pipeline: connects, pings, turns, audio measurements. */
  emit: Emit;
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
    readonly reason: AnyReason,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}
