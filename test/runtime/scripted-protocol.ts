import { vi } from 'vitest';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import type {
  OpenSession,
  SessionContext,
  SessionProtocol,
} from '../../src/probers/session/types.ts';

/**
 * A test double of the SessionProtocol interface for the runner's own tests: every `open()` is
 * an {@link ScriptedOpen} the test settles by hand (connect, fail, or leave hanging), so the
 * runner's schedule can be checked to the millisecond under fake timers. The real protocols
 * have their own tests against the simulator.
 */
export class ScriptedProtocol implements SessionProtocol {
  readonly opens: ScriptedOpen[] = [];

  open = (context: SessionContext): Promise<OpenSession> => {
    const scripted = new ScriptedOpen(context);
    this.opens.push(scripted);
    return scripted.promise;
  };

  /** The latest `open()`; throws when there has been none. */
  get last(): ScriptedOpen {
    const last = this.opens.at(-1);
    if (last === undefined) throw new Error('open() was never called');
    return last;
  }
}

/** One `open()` call, settled by the test. */
export class ScriptedOpen {
  /** `Date.now()` (fake clock) when the runner called `open()`. */
  readonly at = Date.now();
  /** When the attempt was over: its open failed, or its session ended. */
  finishedAt: number | undefined;
  readonly promise: Promise<OpenSession>;
  private resolve!: (session: OpenSession) => void;
  private reject!: (error: unknown) => void;

  constructor(readonly context: SessionContext) {
    this.promise = new Promise<OpenSession>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The open succeeds with a fresh session. */
  connect(behaviour: SessionBehaviour = {}): ScriptedSession {
    const session = new ScriptedSession(behaviour, () => {
      this.finishedAt ??= Date.now();
    });
    this.resolve(session);
    return session;
  }

  fail(error: unknown): void {
    this.finishedAt ??= Date.now();
    this.reject(error);
  }
}

export interface SessionBehaviour {
  /** A peer that ignores our close: `close()` leaves the session running. */
  ignoresClose?: boolean;
  /** A protocol without `terminate` (it is optional in OpenSession). */
  noTerminate?: boolean;
}

export const SHUTDOWN_END: SessionEnd = {
  code: 1001,
  reason: 'shutdown',
  abnormal: false,
  message: 'closed by us',
};

/** TCP lost: an unplanned drop, backed off. */
export const ABNORMAL: SessionEnd = {
  code: 1006,
  reason: 'abnormal_closure',
  abnormal: true,
  message: 'TCP lost',
};

/** A live session whose end the test decides; close()/terminate() behave as configured. */
export class ScriptedSession implements OpenSession {
  readonly ended: Promise<SessionEnd>;
  readonly close = vi.fn(() => {
    if (!this.behaviour.ignoresClose) this.end(SHUTDOWN_END);
  });
  readonly terminate: (() => void) | undefined;
  /** How often `terminate` was called (0 when the session has none). */
  terminations = 0;
  private resolveEnded!: (end: SessionEnd) => void;
  private rejectEnded!: (error: unknown) => void;

  constructor(
    private readonly behaviour: SessionBehaviour,
    private readonly onEnd: () => void,
  ) {
    this.ended = new Promise<SessionEnd>((resolve, reject) => {
      this.resolveEnded = resolve;
      this.rejectEnded = reject;
    });
    this.terminate = behaviour.noTerminate
      ? undefined
      : () => {
          this.terminations++;
          this.end({ ...SHUTDOWN_END, code: 1006, message: 'terminated' });
        };
  }

  /** Ends the session (the first end wins, as a promise settles once). */
  end(end: SessionEnd): void {
    this.onEnd();
    this.resolveEnded(end);
  }

  /** Breaks the OpenSession contract (`ended` rejects): a bug in a protocol. */
  crash(error: unknown): void {
    this.onEnd();
    this.rejectEnded(error);
  }
}
