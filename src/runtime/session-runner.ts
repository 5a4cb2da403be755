import type { ProbeLog } from '../probers/types.ts';
import { clampDelayMs } from './delay.ts';
import { AttemptScope, attemptSignal } from '../probers/session/attempt-scope.ts';
import { Backoff, type BackoffSettings } from './backoff.ts';
import {
  ConnectError,
  type CloseReason,
  type OpenSession,
  type SessionEvents,
  type AudioEvents,
  type SessionProtocol,
} from '../probers/session/types.ts';

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
 * Hooks around the runner's own lifecycle, beyond what {@link SessionEvents} report: the
 * exporter traces connect attempts with them (the events say how each attempt ended).
 */
export interface SessionLifecycle {
  /** A connect attempt is about to start (`protocol.open`). */
  attemptStarting: () => void;
  /** The runner has stopped: nothing more will be reported. */
  stopped: () => void;
}

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
    private readonly events: SessionEvents,
    private readonly audio: AudioEvents,
    private readonly newLog: () => ProbeLog & {
      flush: (success: boolean, reason: string, seconds: number) => void;
    },
    backoff: BackoffSettings,
    private readonly random: () => number = Math.random,
    private readonly lifecycle?: SessionLifecycle,
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
    this.lifecycle?.stopped();
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
        try {
          this.events.connectFailed('internal', undefined, message);
        } catch {
          // The metrics side failed too: the back-off below still keeps us from spinning.
        }
        await this.pause('handshake_failed', this.backoff.next(), signal);
      }
    }
  }

  /** One connect attempt and, when it connects, the session's life until it ends. */
  private async attempt(signal: AbortSignal): Promise<'stop' | 'again'> {
    const log = this.newLog();
    const attemptStarted = performance.now();
    let session: OpenSession;
    this.lifecycle?.attemptStarting();
    const scope = new AttemptScope();
    this.opening = scope;
    let announcedConnected: number | undefined;
    const events: SessionEvents = {
      ...this.events,
      connected: (phases) => {
        announcedConnected ??= performance.now();
        this.events.connected(phases);
      },
    };
    try {
      session = await this.protocol.open({
        events,
        audio: this.audio,
        log,
        signal: attemptSignal(signal, scope),
      });
      scope.handOver();
      this.opening = undefined;
    } catch (error) {
      this.opening = undefined;
      // Whatever the failed attempt opened goes with it: no socket outlives its attempt.
      scope.release();
      if (isAborted(signal)) return 'stop';
      const connectError =
        error instanceof ConnectError
          ? error
          : new ConnectError('internal', error instanceof Error ? error.message : String(error));
      if (announcedConnected !== undefined) {
        // The session was reported up: report it down, or ws_connected would stay 1.
        this.events.closed(
          {
            code: 1006,
            reason: 'open_failed',
            abnormal: true,
            message: `${connectError.reason}: ${connectError.message}`,
          },
          (performance.now() - announcedConnected) / 1000,
        );
      }
      this.events.connectFailed(connectError.reason, connectError.httpStatus, connectError.message);
      log.error(`connect failed (${connectError.reason}): ${connectError.message}`);
      log.flush(false, connectError.reason, (performance.now() - attemptStarted) / 1000);
      await this.pause('handshake_failed', this.backoff.next(), signal);
      return 'again';
    }
    if (isAborted(signal)) {
      // stop() came while this session was opening: close it instead of leaving it behind.
      this.current = session;
      session.close();
      const end = await session.ended;
      this.current = undefined;
      this.events.closed(end, 0);
      return 'stop';
    }
    this.current = session;
    const connectedAt = performance.now();
    log.info('session open');
    const end = await session.ended;
    this.current = undefined;
    const lived = performance.now() - connectedAt;
    this.events.closed(end, lived / 1000);
    (end.abnormal ? log.error : log.info)(`session ended (${end.reason}): ${end.message}`);
    log.flush(!end.abnormal, end.reason, lived / 1000);
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
    this.events.reconnecting(reason, delayMs / 1000);
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
