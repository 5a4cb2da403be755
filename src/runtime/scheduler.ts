import { createHash } from 'node:crypto';
import { clampDelayMs, MAX_PEER_DEFERRAL_MS, MAX_TIMER_MS } from '../config/delay.ts';

/** A job the scheduler runs every `intervalMs`. */
export interface ScheduledJob {
  name: string;
  intervalMs: number;
  /** One run; resolves with the earliest time (epoch ms) the next run may start, if limited. */
  run(signal: AbortSignal): Promise<{ notBeforeMs?: number } | undefined>;
  /** Told each time the next run is planned (epoch ms), for the landing page. */
  scheduled?: (nextAtMs: number) => void;
}

interface Running {
  job: ScheduledJob;
  controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  inflight: Promise<void> | undefined;
  nextAtMs: number;
}

/**
 * Runs every job at its own interval. First runs are spread across the interval by a stable
 * hash of the name (like Prometheus' scrape offsets), so a restart does not make every target
 * fire at once, and a job never overlaps itself: the next run is planned when the last one ends,
 * on the original grid, skipping slots it overran rather than bursting to catch up.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Running>();
  private stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a job; replaces (and stops) a running job of the same name. */
  async add(job: ScheduledJob): Promise<void> {
    await this.remove(job.name);
    if (this.stopped) return;
    const running: Running = {
      job,
      controller: new AbortController(),
      timer: undefined,
      inflight: undefined,
      nextAtMs: this.now() + spreadOffsetMs(job.name, job.intervalMs),
    };
    this.jobs.set(job.name, running);
    this.arm(running);
  }

  /** Stops a job, aborting and awaiting its run in flight. */
  async remove(name: string): Promise<void> {
    const running = this.jobs.get(name);
    if (running === undefined) return;
    this.jobs.delete(name);
    clearTimeout(running.timer);
    running.controller.abort(new Error('job removed'));
    await running.inflight;
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /** When the job runs next (epoch ms), for the landing page. */
  nextRunAt(name: string): number | undefined {
    return this.jobs.get(name)?.nextAtMs;
  }

  /** Stops everything and waits for runs in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.jobs.keys()].map((name) => this.remove(name)));
  }

  private arm(running: Running): void {
    running.job.scheduled?.(running.nextAtMs);
    const remaining = running.nextAtMs - this.now();
    // A run further away than one timer can wait is reached in steps: never by a 1 ms overflow.
    if (remaining > MAX_TIMER_MS) {
      running.timer = setTimeout(() => {
        this.arm(running);
      }, MAX_TIMER_MS);
      return;
    }
    running.timer = setTimeout(() => {
      running.timer = undefined;
      running.inflight = this.runOnce(running);
    }, clampDelayMs(remaining));
  }

  private async runOnce(running: Running): Promise<void> {
    const { job } = running;
    let notBeforeMs: number | undefined;
    try {
      notBeforeMs = (await job.run(running.controller.signal))?.notBeforeMs;
    } catch {
      // Runs are guarded by the probe runner; a throw here must still not stop the schedule.
    }
    running.inflight = undefined;
    if (this.jobs.get(job.name) !== running || running.controller.signal.aborted) return;
    const now = this.now();
    let next = running.nextAtMs + job.intervalMs;
    if (next <= now) next += Math.ceil((now - next) / job.intervalMs) * job.intervalMs;
    // The peer's deferral (Retry-After) may push the next run out, but only so far.
    if (notBeforeMs !== undefined && notBeforeMs > next) {
      next = Math.max(next, Math.min(notBeforeMs, now + MAX_PEER_DEFERRAL_MS));
    }
    running.nextAtMs = next;
    this.arm(running);
  }
}

/** A stable offset in [0, interval) derived from the name. */
export function spreadOffsetMs(name: string, intervalMs: number): number {
  const hash = createHash('sha256').update(name).digest().readUInt32BE(0);
  return Math.floor((hash / 2 ** 32) * intervalMs);
}
