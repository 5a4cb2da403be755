/**
 * The private parts of an engine.io (6.x) server socket that heartbeats go through. Not in
 * its typings, so they are checked at run time before use.
 */
interface EngineInternals {
  protocol: number;
  hasRefreshedPingTimeout: boolean;
  sendPacket(type: string, ...rest: unknown[]): void;
  resetPingTimeout(): void;
}

/** Heartbeat counters of an Engine.IO connection. */
export interface EngineHeartbeatHooks {
  /** An Engine.IO v4 server ping went out. */
  pingSent(): void;
  /** An Engine.IO v3 client ping arrived. */
  pingReceived(): void;
  /** An Engine.IO v3 pong went out. */
  pongSent(): void;
  /** An Engine.IO v3 ping was left unanswered because the session is stalled. */
  pongWithheld(): void;
}

/** Turns heartbeat holding of one connection on or off. */
export type StallSwitch = (stalled: boolean) => void;

function hasInternals(conn: object): conn is EngineInternals & NodeJS.EventEmitter {
  const candidate = conn as Partial<EngineInternals> & Partial<NodeJS.EventEmitter>;
  return (
    typeof candidate.sendPacket === 'function' &&
    typeof candidate.resetPingTimeout === 'function' &&
    typeof candidate.on === 'function' &&
    (candidate.protocol === 3 || candidate.protocol === 4)
  );
}

/**
 * Makes an Engine.IO connection able to go half-open: while stalled, v4 server pings and v3
 * pongs are held back, so the client's heartbeat check fails while TCP stays up, and the
 * server's own v4 pong timeout is suspended so it does not close the connection either.
 * Also counts heartbeats through `hooks`.
 *
 * @returns the switch, or undefined when this engine.io version lacks the expected internals
 *   (the session then only stops answering events).
 */
export function engineStallSwitch(
  conn: object,
  hooks: EngineHeartbeatHooks,
): StallSwitch | undefined {
  if (!hasInternals(conn)) return undefined;
  const sendPacket = conn.sendPacket.bind(conn);
  const resetPingTimeout = conn.resetPingTimeout.bind(conn);
  let stalled = false;
  /** A v4 ping was held back: the ping cycle must be restarted on unstall. */
  let heldPing = false;

  conn.on('packet', (packet: { type?: unknown }) => {
    if (packet.type === 'ping' && conn.protocol === 3) hooks.pingReceived();
  });
  conn.sendPacket = (type: string, ...rest: unknown[]): void => {
    if (type === 'ping') {
      if (stalled) {
        heldPing = true;
        return;
      }
      hooks.pingSent();
    } else if (type === 'pong') {
      if (stalled) {
        hooks.pongWithheld();
        return;
      }
      hooks.pongSent();
    }
    sendPacket(type, ...rest);
  };
  conn.resetPingTimeout = (): void => {
    // engine.io arms the v4 pong timeout right after sending a ping; no ping, no timeout.
    if (stalled && conn.protocol !== 3) return;
    resetPingTimeout();
  };

  return (next) => {
    if (next === stalled) return;
    stalled = next;
    if (!stalled && heldPing) {
      heldPing = false;
      // What engine.io's ping timer would have done, now rather than a full interval later.
      conn.hasRefreshedPingTimeout = false;
      conn.sendPacket('ping');
      conn.resetPingTimeout();
    }
  };
}
