import type { FailureReason } from '../events/reasons.ts';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { CognigySocketTarget } from '../kinds/cognigy-socket/schema.ts';
import { DEFAULTS } from '../config/schema.ts';
import type { ProberDeps } from './deps.ts';
import { isObject } from './bot-turn.ts';
import { guardEngineOpen } from './cognigy-engine-guard.ts';
import { loadSocketIoClient } from './cognigy-socket-polling.ts';
import {
  classifyConnectError,
  classifyDisconnect,
  type SocketConnectError,
} from './cognigy-socket-errors.ts';
import {
  ConnectError,
  type OpenSession,
  type SessionContext,
  type SessionProtocol,
} from './session/types.ts';
import type { SessionEnd } from '../events/probe-event.ts';

/** Largest frame accepted when the target sets no `max_payload`, as for the other session kinds. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * `kind: cognigy-socket` — a Cognigy Socket.IO endpoint session, with the real socket.io-client,
 * speaking as `@cognigy/socket-client` does (docs/protocols.md §5.2): websocket-only by default
 * (what the client library picks in Node), the session ids in the query — or, with
 * `inner_handshake`, in the ack of the server's `handshake` event — then `endpoint-ready`, then
 * every interval a `processInput`, timing the first `output` and the `finalPing` (the end of the
 * bot turn). Socket.IO's own reconnection is off: the session runner reconnects, counted.
 */
export function createCognigySocketProtocol(
  target: CognigySocketTarget,
  deps: ProberDeps,
): SessionProtocol {
  const userId = target.user_id ?? 'cxprobe-synthetic-user';
  const urlToken = target.url_token ?? '';
  const emitWithAck = target.emit_with_ack ?? true;
  const { origin, path } = socketAddress(target.url);
  return {
    async open(context) {
      const sessionId = `cxprobe-${randomUUID()}`;
      const started = performance.now();
      // The target's TLS settings, as every other kind honours them: engine.io-client hands
      // `ca` and `rejectUnauthorized` to `ws` (websocket) and to its Node XHR (polling).
      const ca = await deps.readCa(target.tls?.ca_file);
      const { io, transports } = await loadSocketIoClient();
      const socket = io(origin, {
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: target.tls?.insecure_skip_verify !== true,
        path,
        // The client library URI-encodes each value itself before socket.io-client encodes the
        // query again; the endpoint decodes both.
        query:
          target.inner_handshake === true
            ? { handshake: 'true' }
            : {
                sessionId: encodeURIComponent(sessionId),
                urlToken: encodeURIComponent(urlToken),
                userId: encodeURIComponent(userId),
                testMode: 'false',
                emitWithAck: emitWithAck ? 'true' : 'false',
              },
        // Implementations rather than names: long polling reads at most max_payload per poll.
        transports: transports(target.transports ?? ['websocket']),
        reconnection: false,
        forceNew: true,
        timeout: target.timeout,
        extraHeaders: { 'user-agent': 'cxprobe' },
        // Handed to `ws` by engine.io-client's websocket transport: a bigger frame is refused
        // before it is buffered (without it `ws` accepts 100 MiB), as for every session kind.
        maxPayload: target.max_payload ?? DEFAULT_MAX_PAYLOAD,
      } as Parameters<typeof io>[1]);
      // A disconnect can come right behind the CONNECT packet, before the session below
      // listens (Socket.IO emits packets on the next tick); kept here so it is not lost.
      let earlyDisconnect: { reason: Socket.DisconnectReason; details: unknown } | undefined;
      const onEarlyDisconnect = (reason: Socket.DisconnectReason, details: unknown) => {
        earlyDisconnect ??= { reason, details };
      };
      socket.on('disconnect', onEarlyDisconnect);
      // A garbage open packet must end this attempt, not the process.
      guardEngineOpen(socket);
      if (target.inner_handshake === true) {
        socket.once('handshake', (ack: unknown) => {
          if (typeof ack === 'function') {
            (ack as (options: Record<string, unknown>) => void)({
              userId,
              sessionId,
              urlToken,
              testMode: false,
              emitWithAck,
            });
          }
        });
      }
      // Listen for endpoint-ready before connecting: the server sends it right behind the
      // CONNECT packet, often in the same read.
      const ready =
        target.wait_for_ready === false
          ? undefined
          : waitForReady(socket, target, started, context.signal);
      ready?.catch(() => undefined);
      const connectedAfter = await waitForConnect(socket, target, context);
      const readyAfter = ready === undefined ? connectedAfter : await ready;
      context.emit({
        type: 'connected',
        phases: { upgrade: connectedAfter, protocol_open: readyAfter },
      });
      context.emit({ type: 'health', healthy: true, detail: 'endpoint ready' });
      socket.off('disconnect', onEarlyDisconnect);
      return new CognigySession(
        socket,
        target,
        context,
        { userId, sessionId, urlToken },
        earlyDisconnect,
      );
    },
  };
}

/** `https://host/prefix` → origin `https://host` and Socket.IO path `/prefix/socket.io`. */
function socketAddress(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return { origin: parsed.origin, path: `${prefix}/socket.io` };
}

function waitForConnect(
  socket: Socket,
  target: CognigySocketTarget,
  context: SessionContext,
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Removed once settled: the runner's signal lives as long as the target, across reconnects.
    const settle = () => {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: ConnectError) => {
      settle();
      socket.off();
      socket.disconnect();
      reject(error);
    };
    const onAbort = () => {
      fail(new ConnectError('timeout', 'connect aborted'));
    };
    socket.once('connect', () => {
      settle();
      socket.off('connect_error');
      resolve((performance.now() - started) / 1000);
    });
    socket.once('connect_error', (error: SocketConnectError) => {
      fail(classifyConnectError(error));
    });
    context.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      if (!socket.connected)
        fail(new ConnectError('timeout', `not connected within ${target.timeout} ms`));
    }, target.timeout).unref();
  });
}

function waitForReady(
  socket: Socket,
  target: CognigySocketTarget,
  started: number,
  signal: AbortSignal,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('endpoint-ready', onReady);
      socket.off('connect_error', onConnectError);
      socket.off('disconnect', onDisconnect);
    };
    const fail = (error: ConnectError) => {
      cleanup();
      socket.disconnect();
      reject(error);
    };
    const onReady = () => {
      cleanup();
      resolve((performance.now() - started) / 1000);
    };
    // The connect itself failed: waitForConnect reports that; only stop waiting here.
    const onConnectError = () => {
      cleanup();
      reject(new ConnectError('connect_error', 'not connected'));
    };
    // Connected, then dropped before the endpoint was ready (e.g. a refused inner handshake).
    const onDisconnect = (reason: string) => {
      cleanup();
      reject(new ConnectError('connect_error', `disconnected before endpoint-ready (${reason})`));
    };
    const onAbort = () => {
      fail(new ConnectError('timeout', 'connect aborted'));
    };
    const timer = setTimeout(() => {
      fail(
        new ConnectError(
          'timeout',
          `no endpoint-ready within ${target.timeout} ms (set wait_for_ready: false for Cognigy.AI before 4.79)`,
        ),
      );
    }, target.timeout);
    socket.once('endpoint-ready', onReady);
    socket.once('connect_error', onConnectError);
    socket.once('disconnect', onDisconnect);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One connected Cognigy session running bot turns on its interval. */
class CognigySession implements OpenSession {
  readonly ended: Promise<SessionEnd>;
  private resolveEnded!: (end: SessionEnd) => void;
  private verdict: SessionEnd | undefined;
  private readonly turnTimer: NodeJS.Timeout;
  private turn:
    { started: number; firstOutput: number | undefined; timeout: NodeJS.Timeout } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly target: CognigySocketTarget,
    private readonly context: SessionContext,
    private readonly ids: { userId: string; sessionId: string; urlToken: string },
    /** A disconnect that came before this session listened: it ends the session at once. */
    earlyDisconnect?: { reason: Socket.DisconnectReason; details: unknown },
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    // With emitWithAck the endpoint passes an ack callback as the last argument and rejects
    // the event after about 2 s without it (docs/protocols.md §5.2): ack at once, as the
    // client library does.
    // Every listener is guarded, as on every WebSocket session: a throw (a bug a peer's message
    // reached) must not escape into socket.io-client's packet handler, where nothing catches it.
    socket.on(
      'output',
      this.guarded((payload: unknown, ack?: unknown) => {
        acknowledge(ack);
        this.onOutput(payload);
      }),
    );
    socket.on(
      'finalPing',
      this.guarded((_payload: unknown, ack?: unknown) => {
        acknowledge(ack);
        this.finishTurn(true);
      }),
    );
    socket.on(
      'disconnect',
      this.guarded((reason: Socket.DisconnectReason, details: unknown) => {
        this.end(this.verdict ?? classifyDisconnect(reason, details));
      }),
    );
    // The loader fills in global.interval (30 s by default) when the target sets none.
    this.turnTimer = setInterval(
      this.guarded(() => {
        this.sendTurn();
      }),
      target.interval,
    );
    if (earlyDisconnect !== undefined || !socket.connected) {
      // Never a half-alive session: a socket that is already gone ends this one now.
      this.end(
        classifyDisconnect(earlyDisconnect?.reason ?? 'transport close', earlyDisconnect?.details),
      );
      return;
    }
    this.sendTurn();
  }

  close(): void {
    this.verdict ??= {
      code: 1000,
      reason: 'shutdown',
      abnormal: false,
      message: 'closed by cxprobe',
    };
    this.socket.disconnect();
    // Socket.IO does not emit 'disconnect' for a socket that already lost its transport.
    this.end(this.verdict);
  }

  /** `fn`, ending this session as `internal_error` instead of throwing. */
  private guarded<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (error) {
        this.verdict ??= {
          code: 1006,
          reason: 'internal_error',
          abnormal: true,
          message: `cxprobe failed handling the peer's message (a bug): ${error instanceof Error ? error.message : String(error)}`,
        };
        this.socket.disconnect();
        this.end(this.verdict);
      }
    };
  }

  private sendTurn(): void {
    if (this.turn !== undefined || !this.socket.connected) return;
    const budget = this.target.budget;
    this.turn = {
      started: performance.now(),
      firstOutput: undefined,
      timeout: setTimeout(
        this.guarded(() => {
          this.finishTurn(false, 'timeout');
        }),
        Math.max(budget, this.target.timeout),
      ),
    };
    // Field for field what @cognigy/socket-client's sendMessage sends (docs/protocols.md §5.2).
    this.socket.emit('processInput', {
      URLToken: this.ids.urlToken,
      userId: this.ids.userId,
      sessionId: this.ids.sessionId,
      channel: 'socket-client',
      source: 'device',
      passthroughIP: this.target.passthrough_ip ?? null,
      resetFlow: false,
      text: this.target.text ?? DEFAULTS.botText,
      data: { cxprobe: true },
    });
  }

  private onOutput(payload: unknown): void {
    const turn = this.turn;
    if (turn === undefined) return;
    turn.firstOutput ??= performance.now();
    const type = isObject(payload) ? payload.type : undefined;
    if (type === 'output') return;
    // v3 environments mark the end of a turn inside `output` rather than as its own event.
    if (type === 'finalPing') this.finishTurn(true);
    // The endpoint reported an error: no finalPing is coming for it, so the turn fails now
    // rather than after the budget.
    else if (type === 'error') this.finishTurn(false, 'bot_failed');
    else this.finishTurn(false, 'invalid_json');
  }

  private finishTurn(completed: boolean, reason: FailureReason = 'bot_failed'): void {
    const turn = this.turn;
    if (turn === undefined) return;
    this.turn = undefined;
    clearTimeout(turn.timeout);
    const now = performance.now();
    const first =
      turn.firstOutput === undefined ? undefined : (turn.firstOutput - turn.started) / 1000;
    const ok = completed;
    this.context.emit({
      type: 'turn',
      firstResponseSeconds: first,
      turnSeconds: (now - turn.started) / 1000,
      ok,
      reason: ok ? 'success' : reason,
    });
    this.context.emit({ type: 'health', healthy: ok, detail: ok ? 'turn completed' : reason });
    if (!ok) this.context.log.error(`bot turn failed (${reason})`);
  }

  private end(end: SessionEnd): void {
    clearInterval(this.turnTimer);
    if (this.turn !== undefined) clearTimeout(this.turn.timeout);
    this.turn = undefined;
    this.socket.off();
    this.resolveEnded(end);
  }
}

/** Calls a Socket.IO ack callback if the server passed one. */
function acknowledge(ack: unknown): void {
  if (typeof ack === 'function') (ack as () => void)();
}
