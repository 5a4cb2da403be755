import type { ProbeLog } from '../types.ts';
import { clampDelayMs } from '../../scheduler/delay.ts';
import { Backoff, type BackoffSettings } from './backoff.ts';
import {
  ConnectError,
  type CloseReason,
  type OpenSession,
  type SessionEvents,
  type AudioEvents,
  type SessionProtocol,
} from './types.ts';

/** Planned reconnects (maintenance, rollover) wait at most this long, spread to avoid a storm. */
const PLANNED_RECONNECT_SPREAD_MS = 250;

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
    await this.loop;
    this.lifecycle?.stopped();
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      const log = this.newLog();
      const attemptStarted = performance.now();
      let session: OpenSession;
      this.lifecycle?.attemptStarting();
      try {
        session = await this.protocol.open({ events: this.events, audio: this.audio, log, signal });
      } catch (error) {
        if (isAborted(signal)) return;
        const connectError =
          error instanceof ConnectError
            ? error
            : new ConnectError('internal', error instanceof Error ? error.message : String(error));
        this.events.connectFailed(
          connectError.reason,
          connectError.httpStatus,
          connectError.message,
        );
        log.error(`connect failed (${connectError.reason}): ${connectError.message}`);
        log.flush(false, connectError.reason, (performance.now() - attemptStarted) / 1000);
        await this.pause('handshake_failed', this.backoff.next(), signal);
        continue;
      }
      if (isAborted(signal)) {
        // stop() came while this session was opening: close it instead of leaving it behind.
        session.close();
        const end = await session.ended;
        this.events.closed(end, 0);
        return;
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
      if (isAborted(signal) || end.reason === 'shutdown') return;
      this.backoff.sessionEnded(lived);
      // Never handed to setTimeout unbounded: past 2^31-1 ms Node fires at once, a flood.
      const delay =
        end.nextInMs !== undefined && Number.isFinite(end.nextInMs)
          ? clampDelayMs(end.nextInMs)
          : end.immediate === true
            ? Math.floor(this.random() * PLANNED_RECONNECT_SPREAD_MS)
            : this.backoff.next();
      await this.pause(end.reason, delay, signal);
    }
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

/** Read through a call: TypeScript would otherwise keep the narrowing from the loop condition. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
