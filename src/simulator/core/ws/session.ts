import type { WsEndpointKey } from '../endpoint-keys.ts';
import type { CancelDelay } from '../delay-scheduler.ts';

/**
 * Actions of `POST /-/sim/ws/actions` that send a protocol message rather than touch the
 * connection; only endpoints that speak such a protocol apply them (see
 * {@link SessionTransport.protocolAction}).
 *
 * - `disconnect_error`: AudioHook `disconnect {reason:"error"}`; jambonz `{"type":"disconnect"}`.
 * - `disconnect_completed`: AudioHook `disconnect {reason:"completed"}`, the server ending the
 *   session normally (docs/protocols.md §3.5); the client answers with its close transaction.
 * - `error_429`: applied by no endpoint: an AudioHook server never sends `error` (a client
 *   message, docs/protocols.md §3.5); kept so existing fault requests stay valid.
 * - `skip_seq`: the session's next AudioHook message skips one `seq` number.
 * - `reconnect`: AudioHook `reconnect`.
 * - `kill_audio`: jambonz `{"type":"killAudio"}`.
 */
export const PROTOCOL_ACTIONS = [
  'disconnect_error',
  'error_429',
  'skip_seq',
  'reconnect',
  'kill_audio',
  'disconnect_completed',
] as const;

/** One protocol action, see {@link PROTOCOL_ACTIONS}. */
export type ProtocolAction = (typeof PROTOCOL_ACTIONS)[number];

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
  /**
   * Applies a protocol action now.
   *
   * @returns false when the endpoint does not know the action or the session cannot take it
   *   (not open yet, already closing, stalled).
   */
  protocolAction?(action: ProtocolAction): boolean;
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
