import type WebSocket from 'ws';
import type { Emit, PingLayer, SessionEnd } from '../../events/probe-event.ts';

export interface PingSettings {
  intervalMs: number;
  timeoutMs: number;
}

/**
 * Pings on a fixed grid and matches each pong to its ping. A ping unanswered within the timeout
 * calls `onTimeout` (the session is then treated as half-open). Pongs that match nothing we sent
 * are ignored; when a pong answers a later ping first, the earlier ones count as lost, as RFC 6455
 * allows a peer to answer only the most recent ping.
 */
export class Pinger {
  private timer: NodeJS.Timeout | undefined;
  private readonly outstanding = new Map<string, { sentAt: number; timeout: NodeJS.Timeout }>();
  private sequence = 0;
  private stopped = false;

  constructor(
    private readonly layer: PingLayer,
    private readonly settings: PingSettings,
    private readonly emit: Emit,
    /** Sends ping `id`; the id must come back in the matching pong. */
    private readonly send: (id: string) => void,
    private readonly onTimeout: () => void,
    private readonly idPrefix: string = 'cxp',
  ) {}

  /**
   * Starts pinging after a random fraction of the interval: sessions that connect together (a
   * start-up, a mass reconnect) would otherwise ping in lockstep and measure their own burst.
   */
  start(): void {
    this.timer = setTimeout(() => {
      this.ping();
      this.timer = setInterval(() => {
        this.ping();
      }, this.settings.intervalMs);
    }, Math.random() * this.settings.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const { timeout } of this.outstanding.values()) clearTimeout(timeout);
    this.outstanding.clear();
  }

  /** A pong arrived carrying `id`; ids we never sent are ignored. `undefined` means the oldest. */
  pong(id: string | undefined): void {
    const key = id ?? this.outstanding.keys().next().value;
    if (key === undefined) return;
    const pending = this.outstanding.get(key);
    if (pending === undefined) return;
    const now = performance.now();
    for (const [otherKey, other] of this.outstanding) {
      if (otherKey === key) break;
      clearTimeout(other.timeout);
      this.outstanding.delete(otherKey);
      this.emit({ type: 'ping_lost', layer: this.layer });
    }
    clearTimeout(pending.timeout);
    this.outstanding.delete(key);
    this.emit({ type: 'ping', layer: this.layer, rttSeconds: (now - pending.sentAt) / 1000 });
  }

  private ping(): void {
    if (this.stopped) return;
    const id = `${this.idPrefix}-${++this.sequence}-${Date.now()}`;
    const timeout = setTimeout(() => {
      if (this.stopped || !this.outstanding.has(id)) return;
      this.outstanding.delete(id);
      this.emit({ type: 'ping_lost', layer: this.layer });
      this.stop();
      this.onTimeout();
    }, this.settings.timeoutMs);
    this.outstanding.set(id, { sentAt: performance.now(), timeout });
    try {
      this.send(id);
    } catch {
      // The socket is closing; its close handler ends the session.
    }
  }
}

/** RFC 6455 ping frames whose payload is the ping id (≤ 125 bytes). */
export function controlPinger(
  socket: WebSocket,
  settings: PingSettings,
  emit: Emit,
  onTimeout: () => void,
): Pinger {
  const pinger = new Pinger(
    'control',
    settings,
    emit,
    (id) => {
      socket.ping(id);
    },
    onTimeout,
  );
  socket.on('pong', (data: Buffer) => {
    pinger.pong(data.toString());
  });
  return pinger;
}

/**
 * Optional RFC 6455 pings on a session: a ping unanswered within its timeout ends the session as
 * `ping_timeout` (half-open). Stopped with the session.
 */
export function startControlPings(
  session: {
    socket: WebSocket;
    finish: (end: SessionEnd) => void;
    onEnd: (cleanup: () => void) => void;
  },
  settings: { interval: number; timeout: number } | undefined,
  emit: Emit,
): void {
  if (settings === undefined || settings.interval <= 0) return;
  const pinger = controlPinger(
    session.socket,
    { intervalMs: settings.interval, timeoutMs: settings.timeout },
    emit,
    () => {
      session.finish({
        code: 1006,
        reason: 'ping_timeout',
        abnormal: true,
        message: 'control ping timed out',
      });
    },
  );
  pinger.start();
  session.onEnd(() => {
    pinger.stop();
  });
}
