import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { Target } from '../config/load.ts';
import { DEFAULTS } from '../config/schema.ts';
import { isObject } from './bot-turn.ts';
import {
  ConnectError,
  type OpenSession,
  type SessionContext,
  type SessionEnd,
  type SessionProtocol,
} from './session/types.ts';

type CognigySocketTarget = Extract<Target, { kind: 'cognigy-socket' }>;

/**
 * `kind: cognigy-socket` — a Cognigy Socket.IO endpoint session, with the real socket.io-client:
 * connect with `sessionId`, `urlToken` and `userId` in the query, time `endpoint-ready`, then
 * every interval send `processInput` and time the first `output` and the `finalPing` (the end of
 * the bot turn). Socket.IO's own reconnection is off: the session runner reconnects, counted.
 */
export function createCognigySocketProtocol(target: CognigySocketTarget): SessionProtocol {
  const userId = target.user_id ?? 'cxprobe-synthetic-user';
  const { origin, path } = socketAddress(target.url);
  return {
    async open(context) {
      const sessionId = `cxprobe-${randomUUID()}`;
      const started = performance.now();
      const socket = io(origin, {
        path,
        query: {
          sessionId,
          urlToken: target.url_token ?? '',
          userId,
          testMode: 'false',
          emitWithAck: 'false',
        },
        transports: target.transports ?? ['polling', 'websocket'],
        reconnection: false,
        forceNew: true,
        timeout: target.timeout,
        extraHeaders: { 'user-agent': 'cxprobe' },
      });
      // Listen for endpoint-ready before connecting: the server sends it right behind the
      // CONNECT packet, often in the same read.
      const ready =
        target.wait_for_ready === false
          ? undefined
          : waitForReady(socket, target, started, context.signal);
      ready?.catch(() => undefined);
      const connectedAfter = await waitForConnect(socket, target, context);
      const readyAfter = ready === undefined ? connectedAfter : await ready;
      context.events.connected({ upgrade: connectedAfter, protocol_open: readyAfter });
      context.events.healthy(true, 'endpoint ready');
      return new CognigySession(socket, target, context, { userId, sessionId });
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
    socket.once('connect_error', (error: Error & { description?: unknown; context?: unknown }) => {
      const status = httpStatusOf(error);
      fail(
        new ConnectError(
          status === 401 || status === 403 ? 'unauthorized' : 'connect_error',
          `connect_error: ${error.message}`,
          status,
        ),
      );
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
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** engine.io reports a refused polling handshake with the HTTP status in `description`. */
function httpStatusOf(error: { description?: unknown; context?: unknown }): number | undefined {
  if (typeof error.description === 'number') return error.description;
  const context = error.context as { status?: unknown } | undefined;
  return typeof context?.status === 'number' ? context.status : undefined;
}

/** One connected Cognigy session running bot turns on its interval. */
class CognigySession implements OpenSession {
  readonly ended: Promise<SessionEnd>;
  private resolveEnded!: (end: SessionEnd) => void;
  private verdict: SessionEnd | undefined;
  private readonly turnTimer: NodeJS.Timeout;
  private turn:
    | { started: number; firstOutput: number | undefined; failed: boolean; timeout: NodeJS.Timeout }
    | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly target: CognigySocketTarget,
    private readonly context: SessionContext,
    private readonly ids: { userId: string; sessionId: string },
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    socket.on('output', (payload: unknown) => {
      this.onOutput(payload);
    });
    socket.on('finalPing', () => {
      this.finishTurn(true);
    });
    socket.on('disconnect', (reason) => {
      this.end(this.verdict ?? classifyDisconnect(reason));
    });
    // The loader fills in global.interval (30 s by default) when the target sets none.
    this.turnTimer = setInterval(() => {
      this.sendTurn();
    }, target.interval);
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

  private sendTurn(): void {
    if (this.turn !== undefined || !this.socket.connected) return;
    const budget = this.target.budget ?? DEFAULTS.botBudgetMs;
    this.turn = {
      started: performance.now(),
      firstOutput: undefined,
      failed: false,
      timeout: setTimeout(
        () => {
          this.finishTurn(false, 'timeout');
        },
        Math.max(budget, this.target.timeout),
      ),
    };
    this.socket.emit('processInput', {
      URLToken: this.target.url_token,
      userId: this.ids.userId,
      sessionId: this.ids.sessionId,
      channel: 'socket-client',
      source: 'device',
      passthroughIP: '127.0.0.1',
      resetFlow: false,
      text: this.target.text ?? DEFAULTS.botText,
      data: { cxprobe: true },
    });
  }

  private onOutput(payload: unknown): void {
    const turn = this.turn;
    if (turn === undefined) return;
    turn.firstOutput ??= performance.now();
    if (isObject(payload) && payload.type === 'error') turn.failed = true;
    // v3 environments mark the end of a turn inside `output` rather than as its own event.
    if (isObject(payload) && payload.type === 'finalPing') this.finishTurn(true);
  }

  private finishTurn(completed: boolean, reason = 'bot_failed'): void {
    const turn = this.turn;
    if (turn === undefined) return;
    this.turn = undefined;
    clearTimeout(turn.timeout);
    const now = performance.now();
    const first =
      turn.firstOutput === undefined ? undefined : (turn.firstOutput - turn.started) / 1000;
    const ok = completed && !turn.failed;
    this.context.events.turn(
      first,
      (now - turn.started) / 1000,
      ok,
      ok ? 'success' : completed ? 'bot_failed' : reason,
    );
    this.context.events.healthy(ok, ok ? 'turn completed' : reason);
    if (!ok) this.context.log.error(`bot turn failed (${completed ? 'bot_failed' : reason})`);
  }

  private end(end: SessionEnd): void {
    clearInterval(this.turnTimer);
    if (this.turn !== undefined) clearTimeout(this.turn.timeout);
    this.turn = undefined;
    this.socket.off();
    this.resolveEnded(end);
  }
}

/** Socket.IO disconnect reasons → close classes. Every disconnect we did not ask for is abnormal. */
function classifyDisconnect(reason: Socket.DisconnectReason): SessionEnd {
  switch (reason) {
    case 'io client disconnect':
      return { code: 1000, reason: 'shutdown', abnormal: false, message: reason };
    case 'io server disconnect':
      return {
        code: 1000,
        reason: 'server_close',
        abnormal: true,
        message: 'the server disconnected the socket',
      };
    case 'ping timeout':
      return {
        code: 1006,
        reason: 'ping_timeout',
        abnormal: true,
        message: 'Engine.IO ping timeout',
      };
    case 'parse error':
      return {
        code: 1002,
        reason: 'protocol_error',
        abnormal: true,
        message: 'Socket.IO parse error',
      };
    case 'transport close':
    case 'transport error':
      return { code: 1006, reason: 'abnormal_closure', abnormal: true, message: reason };
  }
}
