import { WS_ENDPOINT_KEYS, type WsEndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import type { PongLayer } from '../truth/pong-delay-store.ts';
import { drawDelay, type DelayDistribution } from '../faults/delays.ts';
import { PeriodicFaults } from './periodic-faults.ts';
import type { WsCounter, WsInjectedFault } from '../truth/truth-shape.ts';
import {
  DEFAULT_ACTION_CLOSE_CODE,
  isSendableCloseCode,
  type WsAction,
  type WsActionOptions,
} from './actions.ts';
import { WsSession, type ProtocolAction, type SessionTransport } from './session.ts';

/** An answer sent after a drawn delay, unless the session is stalled by then. */
export interface DelayedAnswer {
  delay: DelayDistribution;
  /** Pong-delay series that records the applied delay; none for ordinary answers. */
  record?: PongLayer;
  /** Counter of answers sent. */
  sent?: WsCounter;
  /** Counter of answers withheld because the session was stalled or half-open. */
  unanswered?: WsCounter;
  send: () => void;
}

/**
 * Every open persistent session of the simulator: counts openings and closes, applies
 * actions and periodic faults, and knows which sessions are stalled.
 */
export class WsHub {
  readonly #ctx: SimulatorContext;
  readonly #sessions = new Map<WsEndpointKey, Set<WsSession>>(
    WS_ENDPOINT_KEYS.map((key) => [key, new Set()]),
  );
  readonly #periodic: PeriodicFaults;
  readonly #unsubscribe: () => void;
  #nextId = 1;
  #closed = false;

  constructor(ctx: SimulatorContext) {
    this.#ctx = ctx;
    this.#periodic = new PeriodicFaults(
      ctx.faults,
      ctx.random,
      () => this.#all(),
      (session, fault) => {
        this.#apply(session, fault);
      },
    );
    this.#unsubscribe = ctx.faults.onChange(() => {
      this.#periodic.replan();
      // `half_open` may have changed: transports that hold pings themselves must know.
      for (const session of this.#all()) session.transport.stallChanged?.(this.isStalled(session));
    });
  }

  /** True once {@link close} ran; new connections must then be refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of open sessions of `key`. */
  count(key: WsEndpointKey): number {
    return this.#set(key).size;
  }

  /** Registers a session whose handshake the endpoint accepted. */
  open(key: WsEndpointKey, transport: SessionTransport): WsSession {
    const session = new WsSession(this.#nextId++, key, transport);
    this.#set(key).add(session);
    this.#ctx.truth.wsOpened(key);
    this.#periodic.add(session);
    if (this.isStalled(session)) transport.stallChanged?.(true);
    return session;
  }

  /**
   * Records the end of a session, once. `clientCode` is what the transport reported (close
   * code or disconnect reason); it is used when the server did not decide the end itself.
   */
  ended(session: WsSession, clientCode: string | number): void {
    if (session.ended) return;
    session.ended = true;
    this.#set(session.key).delete(session);
    this.#dispose(session);
    const byServer = session.serverCloseCode !== undefined;
    this.#ctx.truth.wsClosed(
      session.key,
      byServer ? 'server' : 'client',
      session.serverCloseCode ?? clientCode,
    );
  }

  /** True when the session must not answer: stalled by an action or the endpoint half-open. */
  isStalled(session: WsSession): boolean {
    return session.stalled || this.#ctx.faults.getWs(session.key).half_open;
  }

  /**
   * Sends an answer after a delay drawn from `answer.delay`, counting it and recording the
   * delay when it goes out. Nothing is sent (and `unanswered` is counted) when the session is
   * stalled on arrival or at send time, or has ended.
   */
  answer(session: WsSession, answer: DelayedAnswer): void {
    const { truth } = this.#ctx;
    if (this.isStalled(session)) {
      if (answer.unanswered !== undefined) truth.wsCount(session.key, answer.unanswered);
      return;
    }
    const ms = drawDelay(answer.delay, this.#ctx.random);
    const deliver = (): void => {
      if (session.ended || !session.transport.isOpen()) return;
      if (this.isStalled(session)) {
        if (answer.unanswered !== undefined) truth.wsCount(session.key, answer.unanswered);
        return;
      }
      // Counted before the write, so a client that sees the answer sees it in the truth.
      if (answer.sent !== undefined) truth.wsCount(session.key, answer.sent);
      if (answer.record !== undefined) truth.pongDelay(session.key, answer.record, ms);
      answer.send();
    };
    if (ms <= 0) deliver();
    else this.#ctx.scheduler.schedule(ms, deliver);
  }

  /**
   * Ends a session from the server side with `code` (1006: drop without a close frame).
   * Not counted as an injected fault; callers count what caused it.
   */
  serverClose(session: WsSession, code: number, reason: string): void {
    if (session.ended) return;
    if (code === 1006) {
      if (session.terminated) return;
      session.serverCloseCode = 1006;
      session.terminated = true;
      session.transport.terminate();
      return;
    }
    if (session.serverCloseCode !== undefined) return;
    session.serverCloseCode = code;
    session.transport.close(code, reason);
  }

  /**
   * Applies `action` to up to `limit` eligible sessions of `key`, oldest first.
   *
   * @returns the number of sessions affected.
   */
  act(
    key: WsEndpointKey,
    action: WsAction,
    limit = Infinity,
    options: WsActionOptions = {},
  ): number {
    const code = options.code ?? DEFAULT_ACTION_CLOSE_CODE;
    if (action === 'close' && !isSendableCloseCode(code)) {
      throw new RangeError(`close code ${code} cannot be sent in a close frame`);
    }
    let applied = 0;
    for (const session of [...this.#set(key)]) {
      if (applied >= limit) break;
      if (this.#apply(session, action, code)) applied += 1;
    }
    return applied;
  }

  /** Terminates every session, cancels every timer and refuses new sessions. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#periodic.close();
    for (const session of [...this.#all()]) {
      this.serverClose(session, 1006, 'simulator closing');
      // Counted now rather than on the later close event, so the truth is final once closed.
      this.ended(session, 1006);
    }
  }

  #apply(session: WsSession, action: WsAction, code = DEFAULT_ACTION_CLOSE_CODE): boolean {
    switch (action) {
      case 'drop':
        if (session.terminated) return false;
        this.#injected(session, 'drop');
        this.serverClose(session, 1006, 'simulated drop');
        return true;
      case 'close_1011':
        if (session.serverCloseCode !== undefined) return false;
        this.#injected(session, 'close_1011');
        this.serverClose(session, 1011, 'simulated server error');
        return true;
      case 'close':
        if (session.serverCloseCode !== undefined) return false;
        this.#injected(session, 'close');
        this.serverClose(session, code, 'simulated server close');
        return true;
      case 'maintenance':
        return this.#maintenance(session);
      case 'stall':
      case 'unstall': {
        const stalled = action === 'stall';
        if (session.stalled === stalled || session.serverCloseCode !== undefined) return false;
        session.stalled = stalled;
        if (stalled) this.#injected(session, 'stall');
        session.transport.stallChanged?.(this.isStalled(session));
        return true;
      }
      default:
        return this.#protocolAction(session, action);
    }
  }

  #protocolAction(session: WsSession, action: ProtocolAction): boolean {
    if (session.serverCloseCode !== undefined || this.isStalled(session)) return false;
    if (session.transport.protocolAction?.(action) !== true) return false;
    this.#injected(session, action);
    return true;
  }

  #maintenance(session: WsSession): boolean {
    if (session.serverCloseCode !== undefined || session.maintenance !== undefined) return false;
    this.#injected(session, 'maintenance');
    const { transport } = session;
    if (transport.announceMaintenance === undefined) {
      this.serverClose(session, 1001, 'simulated maintenance');
      return true;
    }
    transport.announceMaintenance();
    const grace = this.#ctx.faults.getWs(session.key).maintenance_grace_ms;
    const closeNow = (): void => {
      session.maintenance = undefined;
      this.serverClose(session, 1001, 'simulated maintenance');
    };
    if (grace <= 0) closeNow();
    else session.maintenance = this.#ctx.scheduler.schedule(grace, closeNow);
    return true;
  }

  #injected(session: WsSession, fault: WsInjectedFault): void {
    this.#ctx.truth.wsInjected(session.key, fault);
    this.#ctx.logger?.debug(
      { endpoint: session.key, fault, session: session.id },
      'simulator injected fault',
    );
  }

  #dispose(session: WsSession): void {
    if (session.disposed) return;
    session.disposed = true;
    session.maintenance?.();
    session.maintenance = undefined;
    session.transport.dispose?.();
  }

  #set(key: WsEndpointKey): Set<WsSession> {
    const set = this.#sessions.get(key);
    if (set === undefined) throw new Error(`unknown WebSocket endpoint ${key}`);
    return set;
  }

  *#all(): Generator<WsSession> {
    for (const set of this.#sessions.values()) yield* set;
  }
}
