import type { HttpPhase } from '../metrics/catalogue.ts';
import type { Reason } from '../events/reasons.ts';

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

/** Collects the lines of one probe's log for the landing page, and mirrors them to the logger. */
export interface ProbeLog {
  info: (message: string, fields?: Record<string, unknown>) => void;
  error: (message: string, fields?: Record<string, unknown>) => void;
}

/** What a prober gets for one cycle. */
export interface ProbeContext {
  /** Aborted when the timeout passes or the exporter stops. */
  signal: AbortSignal;
  timeoutMs: number;
  log: ProbeLog;
}

/** One prober instance per configured target. */
export interface Prober {
  probe(context: ProbeContext): Promise<ProbeResult>;
}
