import type { WsEndpointKey } from './constants.ts';
import type { CancelDelay } from './delay-scheduler.ts';

/** What the endpoint behind a session can do with its connection. */
export interface SessionTransport {
  /** True while messages can be sent. */
  isOpen(): boolean;
  /** Destroys the TCP connection without a close frame; the client sees 1006. */
  terminate(): void;
  /** Closes with a close frame carrying `code` (or the nearest the transport has). */
  close(code: number, reason: string): void;
  /** Sends the platform's "going away soon" notice (Genesys `v2.system.socket_closing`). */
  announceMaintenance?(): void;
  /** Called when the session's effective stall state may have changed. */
  stallChanged?(stalled: boolean): void;
  /** Frees per-session timers; called exactly once, when the session ends or the hub closes. */
  dispose?(): void;
}

/** Faults a session can get at a random time, see `*_every_ms` in the WebSocket faults. */
export type PeriodicFault = 'drop' | 'close_1011' | 'maintenance';

/** One open persistent connection, tracked by the hub. */
export class WsSession {
  /** Stalled by an action (the endpoint-wide `half_open` fault is checked separately). */
  stalled = false;
  /** Close code the server chose; set once the server decided to end the session. */
  serverCloseCode: number | undefined;
  /** Set once the TCP connection was destroyed on purpose. */
  terminated = false;
  /** Pending maintenance close, between the notice and the 1001 close. */
  maintenance: CancelDelay | undefined;
  /** When each periodic fault is due, on the `performance.now()` clock. */
  readonly due: Partial<Record<PeriodicFault, number>> = {};
  /** Set once the end of the session was counted. */
  ended = false;
  /** Set once {@link SessionTransport.dispose} ran. */
  disposed = false;

  constructor(
    readonly id: number,
    readonly key: WsEndpointKey,
    readonly transport: SessionTransport,
  ) {}
}
