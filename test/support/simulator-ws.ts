import { performance } from 'node:perf_hooks';
import { WebSocket, type ClientOptions } from 'ws';
import type { RunningSimulator } from '../../src/simulator/index.ts';

/** WebSocket URL of a simulator path. */
export function wsUrl(sim: RunningSimulator, path: string): string {
  return `${sim.url.replace(/^http/, 'ws')}${path}`;
}

/** A client socket that keeps every message it receives, for later assertions. */
export interface TestSocket {
  ws: WebSocket;
  /** Messages received so far, text decoded. */
  messages: string[];
  /** Resolves with the next message (or a queued one) that satisfies `match`. */
  next(match?: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the socket closed, with the code the client saw. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket to the simulator; rejects with the HTTP status when refused. */
export async function openWs(
  sim: RunningSimulator,
  path: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): Promise<TestSocket> {
  const ws = new WebSocket(wsUrl(sim, path), protocols, options);
  const messages: string[] = [];
  const waiters: { match: (text: string) => boolean; resolve: (text: string) => void }[] = [];
  let consumed = 0;
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    messages.push(text);
    const index = waiters.findIndex((waiter) => waiter.match(text));
    if (index >= 0) {
      const [waiter] = waiters.splice(index, 1);
      consumed = messages.length;
      waiter?.resolve(text);
    }
  });
  const { open, closed } = handshake(ws);
  await open;
  return {
    ws,
    messages,
    closed,
    next: (match = () => true, timeoutMs = 5_000) => {
      const queued = messages.slice(consumed).find(match);
      if (queued !== undefined) {
        consumed = messages.indexOf(queued, consumed) + 1;
        return Promise.resolve(queued);
      }
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${messages.join()}`));
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (text) => {
            clearTimeout(timer);
            resolve(text);
          },
        });
      });
    },
  };
}

/**
 * The handshake of a client socket (rejects with {@link HandshakeRefused} when the server
 * answers HTTP) and its close, with the code the client saw; listened for from the start, so
 * a close during the handshake is not missed.
 */
export function handshake(ws: WebSocket): {
  open: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
} {
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  const open = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new HandshakeRefused(res.statusCode ?? 0));
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
  return { open, closed };
}

/** Thrown by {@link openWs} when the server answers the handshake with an HTTP status. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with ${status}`);
  }
}

/** The HTTP status a refused handshake got (fails if the handshake succeeds). */
export async function refusedStatus(
  sim: RunningSimulator,
  path: string,
  options: ClientOptions = {},
): Promise<number> {
  try {
    const socket = await openWs(sim, path, [], options);
    socket.ws.terminate();
  } catch (err) {
    if (err instanceof HandshakeRefused) return err.status;
    throw err;
  }
  throw new Error(`handshake to ${path} unexpectedly succeeded`);
}

/**
 * Sends an RFC 6455 ping and resolves with the pong's payload and the round trip; rejects
 * after `timeoutMs` without a pong.
 */
export function ping(
  ws: WebSocket,
  payload: string,
  timeoutMs = 5_000,
): Promise<{ payload: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setTimeout(() => {
      ws.off('pong', onPong);
      reject(new Error(`no pong within ${timeoutMs} ms`));
    }, timeoutMs);
    const onPong = (data: Buffer): void => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      resolve({ payload: data.toString('utf8'), elapsedMs: performance.now() - started });
    };
    ws.on('pong', onPong);
    ws.ping(payload);
  });
}

/** Sends `POST /-/sim/ws/actions` and returns the status and body. */
export async function wsAction(
  sim: RunningSimulator,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/-/sim/ws/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
