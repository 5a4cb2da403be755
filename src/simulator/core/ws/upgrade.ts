import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WsEndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';

/** One endpoint reached through the HTTP server's `upgrade` event. */
export interface UpgradeRoute {
  key: WsEndpointKey;
  /** Whether this route serves `url`. */
  matches(url: URL): boolean;
  /**
   * Whether the request opens a new session, so `refuse_handshakes` applies to it (a
   * Socket.IO transport upgrade of an existing session does not). @default true
   */
  isHandshake?(url: URL): boolean;
  /** Checks the request and completes or refuses the handshake. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
}

/**
 * Refuses a WebSocket handshake with a plain HTTP answer and closes the connection, so the
 * client sees the status (ws: `unexpected-response`).
 */
export function refuseUpgrade(socket: Duplex, status: number, body: unknown): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      '\r\n' +
      text,
  );
}

/**
 * Listener of the HTTP server's `upgrade` event: routes by path, applies `refuse_handshakes`
 * (counted once per refusal) and hands the request to its endpoint. Unknown paths get 404.
 */
export function upgradeListener(
  ctx: SimulatorContext,
  routes: readonly UpgradeRoute[],
  isClosed: () => boolean,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // A client may reset the connection at any point; an unhandled error would crash the process.
    socket.on('error', () => undefined);
    if (isClosed()) {
      refuseUpgrade(socket, 503, { error: 'simulator is closing' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const route = routes.find((candidate) => candidate.matches(url));
    if (route === undefined) {
      refuseUpgrade(socket, 404, { error: `no simulated WebSocket endpoint at ${url.pathname}` });
      return;
    }
    if (route.isHandshake?.(url) ?? true) {
      const status = ctx.faults.takeRefusal(route.key);
      if (status !== undefined) {
        ctx.truth.wsInjected(route.key, 'refused_handshake');
        ctx.truth.wsRefused(route.key, status);
        ctx.logger?.debug(
          { endpoint: route.key, fault: 'refused_handshake', status },
          'simulator injected fault',
        );
        refuseUpgrade(socket, status, { error: 'Simulated handshake refusal', status });
        return;
      }
    }
    route.accept(req, socket, head, url);
  };
}
