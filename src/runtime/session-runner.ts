import { logTo, type Emit } from '../events/probe-event.ts';
import type { CloseReason } from '../events/reasons.ts';
import type { BackoffSettings } from '../kinds/kind.ts';
import { AttemptScope, attemptSignal } from '../probers/session/attempt-scope.ts';
import { ConnectError, type OpenSession, type SessionProtocol } from '../probers/session/types.ts';
import { Backoff } from './backoff.ts';
import { clampDelayMs } from '../config/delay.ts';

/** Planned reconnects (maintenance, rollover) wait at most this long, spread to avoid a storm. */
const PLANNED_RECONNECT_SPREAD_MS = 250;
/**
 * A planned close of a session younger than this goes through the back-off (with a floor): a
 * server announcing `socket_closing` right after every connect would otherwise be hit again and
 * again (62 reconnects in 15 s, issue 9).
 */
export const PLANNED_MIN_LIFETIME_MS = 10_000;
/** After `stop()` closed the session, how long the peer gets before the socket is cut. */
export const STOP_GRACE_MS = 2_000;

/**
 * Keeps one persistent session of a target alive: connect → live → (drop → back-off →
 * reconnect)*. Every close and every reconnect is reported exactly once, with its reason.
 */
export class SessionRunner {
  private readonly controller = new AbortController();
  private current: OpenSession | undefined;
  /** The connect attempt in progress, if any: stop() releases it when the grace runs out. */
  private opening: AttemptScope | undefined;
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly protocol: SessionProtocol,
    /** The target's event pipeline; emitting never throws (the fan-out contains its sinks). */
    private readonly emit: Emit,
    backoff: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.backoff = new Backoff(backoff, random);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Closes the session (1001) and stops reconnecting; resolves when everything is down. */
  async stop(): Promise<void> {
    this.controller.abort(new Error('target stopped'));
    this.current?.close();
    // Shutdown never waits on a peer: one that ignores the close handshake, or a protocol whose
    // close transaction stalls, is cut after the grace.
    if (!(await settlesWithin(this.loop, STOP_GRACE_MS))) {
      this.current?.terminate?.();
      // An attempt still opening (a stalled open transaction) loses its sockets too.
      this.opening?.release();
      await settlesWithin(this.loop, STOP_GRACE_MS);
    }
    this.emit({ type: 'stopped' });
  }

  /**
   * Runs attempts until stopped. Anything an attempt throws past its own handling (a bug) is
   * counted as an `internal` connect failure and backed off: the target keeps being watched and
   * nothing reaches the process as an unhandled rejection.
   */
  private async run(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      try {
        if ((await this.attempt(signal)) === 'stop') return;
      } catch (error) {
        if (isAborted(signal)) return;
        this.current = undefined;
        const message = error instanceof Error ? error.message : String(error);
        this.emit({
          type: 'connect_failed',
          reason: 'internal',
          httpStatus: undefined,
          message,
          attemptSeconds: 0,
        });
        await this.pause('handshake_failed', this.backoff.next(), signal);
      }
    }
  }

  /** One connect attempt and, when it connects, the session's life until it ends. */
  private async attempt(signal: AbortSignal): Promise<'stop' | 'again'> {
    const log = logTo(this.emit);
    const attemptStarted = performance.now();
    let session: OpenSession;
    this.emit({ type: 'attempt_started' });
    const scope = new AttemptScope();
    this.opening = scope;
    let announcedConnected: number | undefined;
    const emit: Emit = (event) => {
      if (event.type === 'connected') announcedConnected ??= performance.now();
      this.emit(event);
    };
    try {
      session = await this.protocol.open({ emit, log, signal: attemptSignal(signal, scope) });
      scope.handOver();
      this.opening = undefined;
    } catch (error) {
      this.opening = undefined;
      // Whatever the failed attempt opened goes with it: no socket outlives its attempt.
      scope.release();
      if (isAborted(signal)) {
        // Stopped while opening: a session already reported up is reported down, or
        // ws_connected would stay 1 and its span open.
        if (announcedConnected !== undefined) {
          this.emit({
            type: 'closed',
            end: { code: 1001, reason: 'shutdown', abnormal: false, message: 'target stopped' },
            sessionSeconds: (performance.now() - announcedConnected) / 1000,
          });
        }
        return 'stop';
      }
      const connectError =
        error instanceof ConnectError
          ? error
          : new ConnectError('internal', error instanceof Error ? error.message : String(error));
      if (announcedConnected !== undefined) {
        // The session was reported up: report it down, or ws_connected would stay 1.
        this.emit({
          type: 'closed',
          end: {
            code: 1006,
            reason: 'open_failed',
            abnormal: true,
            message: `${connectError.reason}: ${connectError.message}`,
          },
          sessionSeconds: (performance.now() - announcedConnected) / 1000,
        });
      }
      log.error(`connect failed (${connectError.reason}): ${connectError.message}`);
      this.emit({
        type: 'connect_failed',
        reason: connectError.reason,
        httpStatus: connectError.httpStatus,
        message: connectError.message,
        attemptSeconds: (performance.now() - attemptStarted) / 1000,
      });
      await this.pause('handshake_failed', this.backoff.next(), signal);
      return 'again';
    }
    if (isAborted(signal)) {
      // stop() came while this session was opening: close it instead of leaving it behind.
      this.current = session;
      session.close();
      const end = await session.ended;
      this.current = undefined;
      this.emit({ type: 'closed', end, sessionSeconds: 0 });
      return 'stop';
    }
    this.current = session;
    const connectedAt = performance.now();
    log.info('session open');
    const end = await session.ended;
    this.current = undefined;
    const lived = performance.now() - connectedAt;
    (end.abnormal ? log.error : log.info)(`session ended (${end.reason}): ${end.message}`);
    this.emit({ type: 'closed', end, sessionSeconds: lived / 1000 });
    if (isAborted(signal) || end.reason === 'shutdown') return 'stop';
    this.backoff.sessionEnded(lived);
    // Never handed to setTimeout unbounded: past 2^31-1 ms Node fires at once, a flood.
    const delay =
      end.nextInMs !== undefined && Number.isFinite(end.nextInMs)
        ? clampDelayMs(end.nextInMs)
        : end.immediate === true
          ? lived >= PLANNED_MIN_LIFETIME_MS
            ? Math.floor(this.random() * PLANNED_RECONNECT_SPREAD_MS)
            : this.backoff.nextWithFloor()
          : this.backoff.next();
    await this.pause(end.reason, delay, signal);
    return 'again';
  }

  private async pause(reason: CloseReason, delayMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.emit({ type: 'reconnecting', reason, delaySeconds: delayMs / 1000 });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** True when `promise` (absent: nothing to wait for) settled within `ms`. */
async function settlesWithin(promise: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (promise === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Read through a call: TypeScript would otherwise keep the narrowing from the loop condition. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
