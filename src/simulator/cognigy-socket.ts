import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { SimulatorContext } from './context.ts';
import { engineStallSwitch } from './engine-io-stall.ts';
import { isRecord } from './reply.ts';
import type { WsHub } from './ws-hub.ts';
import type { SessionTransport } from './ws-session.ts';
import type { UpgradeRoute } from './ws-upgrade.ts';

const KEY = 'cognigy_socket';

/** Options of {@link CognigySocket}. */
export interface CognigySocketOptions {
  /** Socket.IO path, e.g. `/socket.io`. */
  path: string;
  pingIntervalMs: number;
  pingTimeoutMs: number;
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
 * Engine.IO v3 clients allowed, `endpoint-ready` after connect, `processInput` answered by
 * `output` then `finalPing` after a `latency` draw.
 */
export class CognigySocket {
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #path: string;
  readonly #io: Server;
  #attached = false;

  constructor(ctx: SimulatorContext, hub: WsHub, options: CognigySocketOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#path = options.path.replace(/\/+$/, '');
    this.#io = new Server({
      path: this.#path,
      allowEIO3: true,
      serveClient: false,
      pingInterval: options.pingIntervalMs,
      pingTimeout: options.pingTimeoutMs,
      // Upgrades on other paths belong to the simulator's own router, not to engine.io.
      destroyUpgrade: false,
    });
    this.#io.use((socket, next) => {
      const { urlToken } = socket.handshake.query;
      if (typeof urlToken !== 'string' || !ctx.cognigyUrlTokens.has(urlToken)) {
        ctx.truth.wsRefused(KEY, 'connect_error');
        next(new Error('Unknown URL token'));
        return;
      }
      next();
    });
    this.#io.on('connection', (socket) => {
      this.#connect(socket);
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

  #connect(socket: Socket): void {
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
      const output = answerInput(payload);
      hub.answer(session, {
        delay: ctx.faults.getWs(KEY).latency,
        record: 'application',
        sent: 'outputs',
        send: () => {
          socket.emit('output', output);
          if (output.type === 'output') socket.emit('finalPing', { type: 'regular' });
        },
      });
    });
  }
}

function isPollingHandshake(req: IncomingMessage): boolean {
  if (req.method !== 'GET' || req.headers.upgrade !== undefined) return false;
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  return !url.searchParams.has('sid');
}

type Output =
  | { type: 'output'; data: { text: string; data: Record<string, unknown> } }
  | { type: 'error'; data: { error: string } };

/** The bot's answer to one `processInput`: an echo, like the REST endpoint. */
function answerInput(payload: unknown): Output {
  if (!isRecord(payload)) return inputError('processInput payload must be an object');
  const { text, data } = payload;
  if (text !== undefined && typeof text !== 'string') return inputError('text must be a string');
  if (data !== undefined && !isRecord(data)) return inputError('data must be an object');
  if (text === undefined && data === undefined) {
    return inputError('at least one of text or data is required');
  }
  const answer = text === undefined ? 'I received your data.' : `You said: ${text}`;
  return { type: 'output', data: { text: answer, data: {} } };
}

function inputError(error: string): Output {
  return { type: 'error', data: { error } };
}
