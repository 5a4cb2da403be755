import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { SimulatorContext } from '../../core/context.ts';
import { answerInput } from './inputs.ts';
import {
  idsFromHandshake,
  idsFromQuery,
  type CognigySessionIds,
  type IdsResult,
} from './session-ids.ts';
import { engineStallSwitch } from './engine-io-stall.ts';
import type { WsHub } from '../../core/ws/hub.ts';
import type { SessionTransport } from '../../core/ws/session.ts';
import type { UpgradeRoute } from '../../core/ws/upgrade.ts';

const KEY = 'cognigy_socket';

/** Options of {@link CognigySocket}. */
export interface CognigySocketOptions {
  /** Socket.IO path, e.g. `/socket.io`. */
  path: string;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Wait for the `handshake` ack and, with `emitWithAck`, each output ack (docs §5.2). */
  ackTimeoutMs: number;
}

/** What engine.io's transports keep of their connection, read to cut it. */
interface TransportInternals {
  name?: unknown;
  /** The `ws` WebSocket of the websocket transport. */
  socket?: { terminate?: unknown; close?: unknown };
  /** Pending long-polling requests. */
  req?: IncomingMessage | null;
  dataReq?: IncomingMessage | null;
}

function webSocketOf(
  socket: Socket,
): { terminate(): void; close(code: number, reason: string): void } | undefined {
  const transport = socket.conn.transport as unknown as TransportInternals;
  const ws = transport.socket;
  if (transport.name !== 'websocket' || ws === undefined) return undefined;
  const { terminate, close } = ws;
  if (typeof terminate !== 'function' || typeof close !== 'function') return undefined;
  return ws as { terminate(): void; close(code: number, reason: string): void };
}

/** Cuts the connection without a goodbye: no close frame, no Socket.IO disconnect packet. */
function drop(socket: Socket): void {
  const ws = webSocketOf(socket);
  if (ws !== undefined) {
    ws.terminate();
    return;
  }
  // Long polling has no single TCP connection: destroy the pending requests, then forget the
  // session so the client's next poll fails too.
  const transport = socket.conn.transport as unknown as TransportInternals;
  transport.req?.socket.destroy();
  transport.dataReq?.socket.destroy();
  socket.conn.close(true);
}

/**
 * The Cognigy Socket.IO endpoint (`cognigy_socket`, docs/protocols.md §5.2): Socket.IO v4 with
 * Engine.IO v3 clients allowed (`@cognigy/socket-client` 4.x) as well as v4 ones (5.x). A
 * connect names its session in the query, or with `handshake=true` answers the server's
 * `handshake` event with its ids; a bad URL token gets `connect_error`. Then `endpoint-ready`;
 * each valid `processInput` is answered by `output` then `finalPing` after a `latency` draw,
 * with an ack callback when the client asked for `emitWithAck`. Every rejection is counted.
 */
export class CognigySocket {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #path: string;
  readonly #ackTimeoutMs: number;
  readonly #io: Server;
  #attached = false;

  constructor(ctx: SimulatorContext, hub: WsHub, options: CognigySocketOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#path = options.path.replace(/\/+$/, '');
    this.#ackTimeoutMs = options.ackTimeoutMs;
    this.#io = new Server({
      path: this.#path,
      allowEIO3: true,
      serveClient: false,
      pingInterval: options.pingIntervalMs,
      pingTimeout: options.pingTimeoutMs,
      // Upgrades on other paths belong to the simulator's own router, not to engine.io.
      destroyUpgrade: false,
    });
    const knownToken = (token: string): boolean => ctx.cognigyUrlTokens.has(token);
    this.#io.use((socket, next) => {
      const query = socket.handshake.query as Record<string, unknown>;
      // Inner-handshake mode: the ids come in the ack of the `handshake` event.
      if (query.handshake === 'true') {
        next();
        return;
      }
      const result = idsFromQuery(query, knownToken);
      if (!result.ok) {
        ctx.truth.wsRefused(KEY, result.problem);
        // Socket.IO sends this as CONNECT_ERROR (v4 clients: `connect_error` with this
        // message) or, to Engine.IO v3 clients, as an ERROR packet (their `error` event).
        next(new Error(result.message));
        return;
      }
      (socket.data as { ids?: CognigySessionIds }).ids = result.ids;
      next();
    });
    this.#io.on('connection', (socket) => {
      const ids = (socket.data as { ids?: CognigySessionIds }).ids;
      if (ids === undefined) this.#innerHandshake(socket, knownToken);
      else this.#connect(socket, ids);
    });
  }

  /**
   * Attaches Socket.IO to `server`. Its upgrade listener is taken off again: upgrades reach
   * engine.io through {@link route}, after the simulator's handshake faults.
   */
  attach(server: HttpServer): void {
    const before = new Set(server.listeners('upgrade'));
    this.#io.attach(server);
    for (const listener of server.listeners('upgrade')) {
      if (!before.has(listener)) server.removeListener('upgrade', listener as () => void);
    }
    // Long-polling handshakes are plain GETs: refuse them here, like upgrades in the router.
    this.#io.engine.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      const status = isPollingHandshake(req) ? this.#ctx.faults.takeRefusal(KEY) : undefined;
      if (status === undefined) {
        next();
        return;
      }
      this.#ctx.truth.wsInjected(KEY, 'refused_handshake');
      this.#ctx.truth.wsRefused(KEY, status);
      this.#ctx.logger?.debug(
        { endpoint: KEY, fault: 'refused_handshake', status },
        'simulator injected fault',
      );
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'Simulated handshake refusal', status }));
    });
    this.#attached = true;
  }

  /** Upgrade route of the Socket.IO path. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => url.pathname === this.#path || url.pathname.startsWith(`${this.#path}/`),
      isHandshake: (url) => !url.searchParams.has('sid'),
      accept: (req, socket, head) => {
        if (!this.#attached) {
          socket.destroy();
          return;
        }
        this.#io.engine.handleUpgrade(req, socket, head);
      },
    };
  }

  /** Closes every Engine.IO connection, connected to a namespace or not. */
  dispose(): void {
    if (this.#attached) this.#io.engine.close();
  }

  /**
   * Inner-handshake mode: emits `handshake` with an ack callback and opens the session once
   * the client acks valid ids (`{userId, sessionId, urlToken, testMode, emitWithAck}`). A
   * missing, malformed or late ack, or an unknown token in it, ends the connection.
   */
  #innerHandshake(socket: Socket, knownToken: (token: string) => boolean): void {
    const ctx = this.#ctx;
    const refuse = (problem: string): void => {
      ctx.truth.wsRefused(KEY, problem);
      socket.disconnect(true);
    };
    socket.timeout(this.#ackTimeoutMs).emit('handshake', (error: Error | null, ack: unknown) => {
      if (!socket.connected) return;
      if (error !== null) {
        refuse('handshake_timeout');
        return;
      }
      const result: IdsResult = idsFromHandshake(ack, knownToken);
      if (!result.ok) {
        refuse(result.problem);
        return;
      }
      ctx.truth.wsCount(KEY, 'inner_handshakes');
      this.#connect(socket, result.ids);
    });
  }

  #connect(socket: Socket, ids: CognigySessionIds): void {
    const hub = this.#hub;
    const ctx = this.#ctx;
    if (hub.closed) {
      socket.disconnect(true);
      return;
    }
    const count = (counter: 'pings_received' | 'pongs_sent' | 'heartbeats_sent'): void => {
      ctx.truth.wsCount(KEY, counter);
    };
    const stallSwitch = engineStallSwitch(socket.conn, {
      pingSent: () => {
        count('heartbeats_sent');
      },
      pingReceived: () => {
        count('pings_received');
      },
      pongSent: () => {
        count('pongs_sent');
      },
      pongWithheld: () => {
        ctx.truth.wsCount(KEY, 'pings_unanswered');
      },
    });
    const transport: SessionTransport = {
      isOpen: () => socket.connected,
      terminate: () => {
        drop(socket);
      },
      close: (code, reason) => {
        const ws = webSocketOf(socket);
        if (ws === undefined) socket.disconnect(true);
        else ws.close(code, reason);
      },
    };
    if (stallSwitch !== undefined) transport.stallChanged = stallSwitch;
    const session = hub.open(KEY, transport);
    socket.on('disconnect', (reason) => {
      hub.ended(session, reason);
    });
    hub.answer(session, {
      delay: { fixed_ms: 0, random_ms: 0 },
      send: () => {
        socket.emit('endpoint-ready');
      },
    });
    socket.on('processInput', (payload: unknown) => {
      ctx.truth.wsCount(KEY, 'inputs');
      const { output, rejected } = answerInput(payload, ids);
      if (rejected !== undefined) ctx.truth.cognigyInputRejected(rejected);
      hub.answer(session, {
        delay: ctx.faults.getWs(KEY).latency,
        record: 'application',
        sent: 'outputs',
        send: () => {
          this.#emit(socket, ids, 'output', output);
          if (output.type === 'output') this.#emit(socket, ids, 'finalPing', { type: 'regular' });
        },
      });
    });
  }

  /** Emits one bot event, with an ack callback when the session asked for `emitWithAck`. */
  #emit(socket: Socket, ids: CognigySessionIds, event: string, payload: object): void {
    if (!ids.emitWithAck) {
      socket.emit(event, payload);
      return;
    }
    socket.timeout(this.#ackTimeoutMs).emit(event, payload, (error: Error | null) => {
      this.#ctx.truth.wsCount(KEY, error === null ? 'acks_received' : 'acks_missing');
    });
  }
}

function isPollingHandshake(req: IncomingMessage): boolean {
  if (req.method !== 'GET' || req.headers.upgrade !== undefined) return false;
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  return !url.searchParams.has('sid');
}
