import { performance } from 'node:perf_hooks';
import type { FaultStore } from '../faults/fault-store.ts';
import { drawExponential } from '../faults/delays.ts';
import type { PeriodicFault, WsSession } from './session.ts';

const MEAN_FIELDS = {
  drop: 'drop_every_ms',
  close_1011: 'close_1011_every_ms',
  maintenance: 'maintenance_every_ms',
} as const satisfies Record<PeriodicFault, string>;

const PERIODIC_FAULTS = Object.keys(MEAN_FIELDS) as PeriodicFault[];

/** Longest single wait; a far-off due time is re-checked rather than overflowing setTimeout. */
const MAX_WAIT_MS = 3_600_000;

/**
 * Gives each open session its `*_every_ms` faults at exponentially distributed times, with one
 * timer for all sessions (armed at the earliest due time) instead of one per session, so
 * thousands of sessions cost one timer.
 */
export class PeriodicFaults {
  readonly #faults: FaultStore;
  readonly #random: () => number;
  readonly #sessions: () => Iterable<WsSession>;
  readonly #fire: (session: WsSession, fault: PeriodicFault) => void;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  #closed = false;

  /**
   * @param sessions every open session, read on each tick.
   * @param fire applies one due fault; it may end the session.
   */
  constructor(
    faults: FaultStore,
    random: () => number,
    sessions: () => Iterable<WsSession>,
    fire: (session: WsSession, fault: PeriodicFault) => void,
  ) {
    this.#faults = faults;
    this.#random = random;
    this.#sessions = sessions;
    this.#fire = fire;
  }

  /** Draws the due times of a new session. */
  add(session: WsSession): void {
    this.#draw(session, performance.now());
    const next = earliest(session);
    if (next < this.#armedFor) this.#arm(next);
  }

  /**
   * Redraws every session's due times, after a fault change. The exponential distribution is
   * memoryless, so redrawing from now is exact for the new means.
   */
  replan(): void {
    const now = performance.now();
    for (const session of this.#sessions()) this.#draw(session, now);
    this.#rearm();
  }

  /** Stops the timer for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #draw(session: WsSession, now: number): void {
    const fault = this.#faults.getWs(session.key);
    for (const kind of PERIODIC_FAULTS) {
      const mean = fault[MEAN_FIELDS[kind]];
      if (mean > 0) session.due[kind] = now + drawExponential(mean, this.#random);
      else session.due[kind] = undefined;
    }
  }

  #rearm(): void {
    let next = Infinity;
    for (const session of this.#sessions()) next = Math.min(next, earliest(session));
    this.#arm(next);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = at;
    if (this.#closed || at === Infinity) return;
    const wait = Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(at - performance.now())));
    this.#timer = setTimeout(() => {
      this.#tick();
    }, wait);
    // The server keeps the process alive; this timer alone should not.
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Copy first: firing a fault may end a session and remove it from the live set.
    for (const session of [...this.#sessions()]) {
      for (const kind of PERIODIC_FAULTS) {
        const due = session.due[kind];
        if (due === undefined || due > now || session.ended) continue;
        session.due[kind] = undefined;
        this.#fire(session, kind);
      }
    }
    this.#rearm();
  }
}

function earliest(session: WsSession): number {
  return Math.min(
    session.due.drop ?? Infinity,
    session.due.close_1011 ?? Infinity,
    session.due.maintenance ?? Infinity,
  );
}
