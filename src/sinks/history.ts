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
