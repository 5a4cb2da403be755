import type { Target } from '../config/load.ts';
import type { Redactor } from '../config/redact.ts';
import type { ProbeEvent, ProbeResult } from '../events/probe-event.ts';

/** One line of a probe's own log. */
export interface ProbeLogLine {
  time: number;
  level: 'info' | 'error';
  message: string;
}

/** The outcome of a probe, or of one session of a persistent target. */
export interface RecordedResult {
  success: boolean;
  /** `success`, a probe reason code or a session close reason. */
  reason: string;
  durationSeconds: number;
  message?: string;
}

/** A finished probe as the landing page and /logs show it. */
export interface ProbeRecord {
  id: number;
  target: string;
  kind: string;
  startedAt: number;
  result: RecordedResult;
  lines: ProbeLogLine[];
}

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

/** The live state of one target, for the landing page. */
export interface TargetState {
  target: Target;
  last: ProbeResult | undefined;
  lastAt: number | undefined;
  nextAt: number | undefined;
  /** Persistent kinds: the live session. */
  session: SessionState | undefined;
}

/**
 * The last `limit` probes, plus up to `limit` failures that rolled out of that window, so a
 * failure is still there to read after a burst of successes (blackbox_exporter's history).
 */
export class ProbeHistory {
  private nextId = 0;
  private recent: ProbeRecord[] = [];
  private failures: ProbeRecord[] = [];

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
    this.trim();
  }

  add(record: Omit<ProbeRecord, 'id'>): ProbeRecord {
    const stored = { ...record, id: this.nextId++ };
    this.recent.push(stored);
    this.trim();
    return stored;
  }

  /** Newest first: recent probes, then older kept failures. */
  list(): ProbeRecord[] {
    return [...this.recent].reverse().concat([...this.failures].reverse());
  }

  get(id: number): ProbeRecord | undefined {
    return (
      this.recent.find((record) => record.id === id) ??
      this.failures.find((record) => record.id === id)
    );
  }

  /** The newest record of a target. */
  latest(target: string): ProbeRecord | undefined {
    for (let index = this.recent.length - 1; index >= 0; index--) {
      const record = this.recent[index];
      if (record?.target === target) return record;
    }
    return undefined;
  }

  private trim(): void {
    while (this.recent.length > this.limit) {
      const dropped = this.recent.shift();
      if (dropped !== undefined && !dropped.result.success) this.failures.push(dropped);
    }
    while (this.failures.length > this.limit) this.failures.shift();
  }
}

/**
 * The history sink: what the landing page and /logs show. It keeps each target's live state and
 * collects the log lines of every probe cycle and every session (or failed connect), storing
 * them, redacted, in the {@link ProbeHistory} when the cycle or session ends.
 */
export class HistorySink {
  readonly history = new ProbeHistory(100);
  private readonly states = new Map<string, TargetState>();

  constructor(private readonly redactor: () => Redactor) {}

  setLimit(limit: number): void {
    this.history.setLimit(limit);
  }

  /** Starts keeping a target's state; returns the handler of its events. */
  addTarget(target: Target, mode: 'cycle' | 'session'): (event: ProbeEvent) => void {
    const state = newTargetState(target, mode === 'session' ? newSessionState() : undefined);
    this.states.set(target.name, state);
    const handler = new TargetHistory(state, this.history, this.redactor);
    return (event) => {
      handler.handle(event);
    };
  }

  removeTarget(name: string): void {
    this.states.delete(name);
  }

  /** Every given target with its live state, in the given order. */
  targets(targets: readonly Target[]): TargetState[] {
    return targets.map((target) => this.states.get(target.name) ?? newTargetState(target));
  }
}

class TargetHistory {
  private startedAt = Date.now();
  private lines: ProbeLogLine[] = [];

  constructor(
    private readonly state: TargetState,
    private readonly history: ProbeHistory,
    private readonly redactor: () => Redactor,
  ) {}

  handle(event: ProbeEvent): void {
    const { state } = this;
    const session = state.session;
    switch (event.type) {
      case 'log':
        this.lines.push({
          time: Date.now(),
          level: event.level,
          message: this.redactor()(formatLogLine(event.message, event.fields)),
        });
        return;
      case 'cycle_started':
      case 'attempt_started':
        this.startedAt = Date.now();
        this.lines = [];
        return;
      case 'cycle_cancelled':
        this.lines = [];
        return;
      case 'cycle_scheduled':
        state.nextAt = event.nextAtMs;
        return;
      case 'cycle_ended': {
        const { result } = event;
        const redacted =
          result.message === undefined
            ? result
            : { ...result, message: this.redactor()(result.message) };
        state.last = redacted;
        state.lastAt = Date.now();
        this.flush(redacted);
        return;
      }
      case 'connected':
        if (session === undefined) return;
        session.connected = true;
        session.connectedSince = Date.now();
        session.lastConnectError = undefined;
        return;
      case 'connect_failed':
        if (session !== undefined)
          session.lastConnectError = this.redactor()(`${event.reason}: ${event.message}`);
        this.flush({ success: false, reason: event.reason, durationSeconds: event.attemptSeconds });
        return;
      case 'ping':
        if (session !== undefined)
          session.lastRtt = { layer: event.layer, seconds: event.rttSeconds };
        return;
      case 'closed': {
        const { end } = event;
        if (session !== undefined) {
          session.connected = false;
          session.connectedSince = undefined;
          session.closes++;
          session.lastClose = {
            code: end.code,
            reason: end.reason,
            abnormal: end.abnormal,
            at: Date.now(),
          };
        }
        // A session that broke while it was being set up is recorded with the connect failure
        // that follows it, as one attempt.
        if (end.reason !== 'open_failed')
          this.flush({
            success: !end.abnormal,
            reason: end.reason,
            durationSeconds: event.sessionSeconds,
          });
        return;
      }
      case 'reconnecting':
        if (session !== undefined) session.reconnects++;
        return;
      case 'stopped':
        // An attempt the stop caught while it was opening still leaves its lines to read.
        if (this.lines.length > 0)
          this.flush({
            success: true,
            reason: 'shutdown',
            durationSeconds: (Date.now() - this.startedAt) / 1000,
          });
        return;
      default:
        return;
    }
  }

  private flush(result: RecordedResult): void {
    this.history.add({
      target: this.state.target.name,
      kind: this.state.target.kind,
      startedAt: this.startedAt,
      lines: this.lines,
      result,
    });
    this.lines = [];
  }
}

/** A target nothing has been recorded for yet. */
function newTargetState(target: Target, session?: SessionState): TargetState {
  return { target, last: undefined, lastAt: undefined, nextAt: undefined, session };
}

function newSessionState(): SessionState {
  return {
    connected: false,
    connectedSince: undefined,
    lastRtt: undefined,
    lastClose: undefined,
    lastConnectError: undefined,
    closes: 0,
    reconnects: 0,
  };
}

/**
 * A log event as one line of text: the message, then `key=value` for each field (strings as
 * they are, anything else as JSON).
 */
function formatLogLine(message: string, fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return message;
  const parts = Object.entries(fields).map(
    ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return parts.length === 0 ? message : `${message} ${parts.join(' ')}`;
}
