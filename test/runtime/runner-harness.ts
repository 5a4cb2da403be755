import { expect, vi } from 'vitest';
import type { Emit, ProbeEvent, SessionEnd } from '../../src/events/probe-event.ts';
import type { CloseReason } from '../../src/events/reasons.ts';
import type { BackoffSettings } from '../../src/kinds/kind.ts';
import { ConnectError } from '../../src/probers/session/types.ts';
import { STOP_GRACE_MS, SessionRunner } from '../../src/runtime/session-runner.ts';
import { HistorySink, type ProbeRecord } from '../../src/sinks/history.ts';
import { firstTarget, recordingEvents } from '../support/session-events.ts';
import {
  ScriptedProtocol,
  type ScriptedSession,
  type SessionBehaviour,
} from './scripted-protocol.ts';

/** Windows 1 s, 2 s, 4 s, 8 s; with random 0.5 the failures wait 0.5 s, 1 s, 2 s, 4 s, 4 s. */
export const BACKOFF: BackoffSettings = { initialMs: 1_000, maxMs: 8_000, stableAfterMs: 60_000 };

export const REFUSED = new ConnectError('unauthorized', 'HTTP 401 at the upgrade', 401);
/** How a real protocol gives up when the target is stopped (src/probers/session/ws-connect.ts). */
export const ABORTED = new ConnectError('timeout', 'connect aborted');

/** The target the runner's events are recorded for (its URL is never dialled). */
export const { target: RUNNER_TARGET } = await firstTarget(`
targets:
  - name: scripted
    kind: websocket
    url: ws://127.0.0.1:9/never-dialled
`);

export interface HarnessOptions {
  /** The runner's dice (back-off jitter and planned spread); 0.5 unless given. */
  random?: () => number;
  /** Where every event goes after the harness recorded it (e.g. a real pipeline under test). */
  forward?: Emit;
}

/** Lets the runner react to what the test just settled (promise callbacks, no clock time). */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** Tracks whether a promise has settled, for asserting "not yet" under fake timers. */
export function track(promise: Promise<unknown>): { settled: boolean } {
  const state = { settled: false };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

/**
 * A SessionRunner over a {@link ScriptedProtocol}, under vitest fake timers, with every event it
 * emits recorded (and fed to a real {@link HistorySink}, which makes the attempts' records), and
 * what escapes the runner's loop collected.
 */
export class RunnerHarness {
  readonly protocol = new ScriptedProtocol();
  readonly recorder = recordingEvents();
  /** The probe history the runner's events build, as the exporter's landing page reads it. */
  readonly history = new HistorySink(() => (text) => text);
  /** `attempt_started`, `stopped` and open() calls, in the order they happened. */
  readonly order: string[] = [];
  /**
   * What the runner's loop rejected with. Nobody awaits the loop: in production such a
   * rejection is an unhandled rejection; here it is caught so a test can assert on it.
   */
  readonly escaped: unknown[] = [];
  readonly runner: SessionRunner;

  constructor(options: HarnessOptions = {}) {
    const open = this.protocol.open;
    this.protocol.open = (context) => {
      this.order.push(`open ${this.protocol.opens.length}`);
      return open(context);
    };
    const toHistory = this.history.addTarget(RUNNER_TARGET, 'session');
    const emit: Emit = (event) => {
      if (event.type === 'attempt_started') {
        this.order.push(`attempt_started ${this.protocol.opens.length}`);
      }
      if (event.type === 'stopped') this.order.push('stopped');
      this.recorder.emit(event);
      toHistory(event);
      options.forward?.(event);
    };
    this.runner = new SessionRunner(this.protocol, emit, BACKOFF, options.random ?? (() => 0.5));
  }

  /** A harness whose runner has started and called open() once. */
  static async started(options: HarnessOptions = {}): Promise<RunnerHarness> {
    const harness = new RunnerHarness(options);
    harness.start();
    await settle();
    return harness;
  }

  start(): void {
    this.runner.start();
    // The private loop, read directly: the only way to see a rejection nobody awaits.
    (this.runner as unknown as { loop: Promise<void> }).loop.catch((error: unknown) => {
      this.escaped.push(error);
    });
  }

  /** The pending open() fails with `error`; the runner has reacted on return. */
  async fail(error: unknown = REFUSED): Promise<void> {
    this.protocol.last.fail(error);
    await settle();
  }

  /** The pending open() connects; the session lives `ms`, then ends with `end`. */
  async live(ms: number, end: SessionEnd, behaviour?: SessionBehaviour): Promise<ScriptedSession> {
    const session = this.protocol.last.connect(behaviour);
    await vi.advanceTimersByTimeAsync(ms);
    session.end(end);
    await settle();
    return session;
  }

  /** The type of every event emitted so far, in order. */
  types(): ProbeEvent['type'][] {
    return this.recorder.events.map((event) => event.type);
  }

  /** The attempts the probe history recorded, oldest first. */
  records(): ProbeRecord[] {
    return this.history.history.list().reverse();
  }

  /** The delays (ms) the runner announced through `reconnecting`, with their reasons. */
  announced(): { reason: unknown; ms: number }[] {
    return this.recorder.of('reconnecting').map(([reason, seconds]) => ({
      reason,
      ms: Math.round((seconds as number) * 1000),
    }));
  }

  /** The last announcement was `reason` after `delayMs`, and the next open() came exactly then. */
  async expectReconnect(reason: CloseReason, delayMs: number): Promise<void> {
    expect(this.announced().at(-1)).toEqual({ reason, ms: delayMs });
    await this.expectOpenAfter(delayMs);
  }

  /**
   * The attempt after the last finished one opened exactly `delayMs` after it finished: nothing
   * one millisecond before, one open then. (A 0 ms reconnect has happened before we look.)
   */
  async expectOpenAfter(delayMs: number): Promise<void> {
    const { opens } = this.protocol;
    const finished = opens.findLastIndex((open) => open.finishedAt !== undefined);
    const finishedAt = opens[finished]?.finishedAt;
    if (finishedAt === undefined) throw new Error('no attempt has finished yet');
    const due = finishedAt + delayMs;
    if (due > Date.now()) {
      await vi.advanceTimersByTimeAsync(due - 1 - Date.now());
      expect(opens).toHaveLength(finished + 1);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(opens).toHaveLength(finished + 2);
    expect(this.protocol.last.at).toBe(due);
  }

  /** Stops the runner, settling an open() still pending as an aborted one, and checks it is down. */
  async stop(): Promise<void> {
    const stopping = track(this.runner.stop());
    await settle();
    if (!stopping.settled && this.protocol.opens.length > 0) {
      this.protocol.last.fail(ABORTED);
    }
    await vi.advanceTimersByTimeAsync(2 * STOP_GRACE_MS);
    expect(stopping.settled).toBe(true);
    expect(this.escaped).toEqual([]);
    expect(this.recorder.of('stopped')).toHaveLength(1);
  }
}
