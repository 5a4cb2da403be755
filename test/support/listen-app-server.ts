import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One connection a {@link startAppServer} accepted: what cxprobe (as jambonz) sent. */
export interface AppConnection {
  ws: WebSocket;
  protocol: string;
  /** The first text frame, parsed. */
  metadata: Promise<Record<string, unknown>>;
  /** Text frames after the first, parsed. */
  events: Record<string, unknown>[];
  binary: { data: Buffer; at: number }[];
  /** Resolves with the next event (queued or future) matching `match`. */
  next(
    match: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  send(message: unknown): void;
}

/**
 * A bare `listen` application server on loopback port 0, scripted by the test: it accepts one
 * subprotocol and records what the gateway (cxprobe) sends, so a test can play a broken or a
 * precise server.
 */
export async function startAppServer(subprotocol = 'audio.jambonz.org') {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (offered) => (offered.has(subprotocol) ? subprotocol : false),
  });
  await once(wss, 'listening');
  const connections: AppConnection[] = [];
  const waiting: ((connection: AppConnection) => void)[] = [];
  wss.on('connection', (ws) => {
    const events: Record<string, unknown>[] = [];
    const binary: { data: Buffer; at: number }[] = [];
    const listeners = new Set<() => void>();
    let resolveMetadata!: (value: Record<string, unknown>) => void;
    const metadata = new Promise<Record<string, unknown>>((resolve) => {
      resolveMetadata = resolve;
    });
    let first = true;
    let consumed = 0;
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) binary.push({ data, at: performance.now() });
      else if (first) resolveMetadata(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      else events.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      if (!isBinary) first = false;
      for (const listener of [...listeners]) listener();
    });
    const connection: AppConnection = {
      ws,
      protocol: ws.protocol,
      metadata,
      events,
      binary,
      send: (message) => {
        ws.send(typeof message === 'string' ? message : JSON.stringify(message));
      },
      next: (match, timeoutMs = 5_000) =>
        new Promise((resolve, reject) => {
          const check = (): boolean => {
            for (let i = consumed; i < events.length; i++) {
              const event = events[i];
              if (event !== undefined && match(event)) {
                consumed = i + 1;
                listeners.delete(check);
                clearTimeout(timer);
                resolve(event);
                return true;
              }
            }
            return false;
          };
          const timer = setTimeout(() => {
            listeners.delete(check);
            reject(
              new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`),
            );
          }, timeoutMs);
          if (!check()) listeners.add(check);
        }),
    };
    connections.push(connection);
    for (const resolve of waiting.splice(0)) resolve(connection);
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/listen`,
    connections,
    /** The first connection, once cxprobe opened it. */
    first: (): Promise<AppConnection> => {
      const existing = connections[0];
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await once(wss, 'close');
    },
  };
}
