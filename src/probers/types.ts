import type { ProbeLog, ProbeResult } from '../events/probe-event.ts';

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
