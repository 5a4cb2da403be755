/**
 * Cognigy's own Socket.IO client library as the peer of the simulator's Cognigy endpoint
 * (docs/protocols.md §5.2, §10.6): both lines, unmodified.
 *
 * - `@cognigy/socket-client` 4.9.2: socket.io-client 2.x, Engine.IO v3 — served because the
 *   simulator's Socket.IO v4 server sets `allowEIO3`.
 * - `cognigy-socket-client-v5` (npm alias of 5.0.0-beta.26, what `@cognigy/webchat` 3 pins):
 *   socket.io-client 4.7.5, Engine.IO v4.
 *
 * Both declare `engines: node >= 22.1` but need nothing newer than Node 20: they load and run
 * here unchanged (no test below is skipped for the Node version).
 *
 * In Node both pick websocket-only transports by themselves (`shouldForceWebsockets()` answers
 * true for `node`), and both default to `emitWithAck: true`, so these sessions also prove the
 * ack exchange: the simulator emits `output` / `finalPing` with an ack callback and counts the
 * acks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SocketClient as SocketClientV4 } from '@cognigy/socket-client';
import { SocketClient as SocketClientV5 } from 'cognigy-socket-client-v5';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
  type WsEndpointTruth,
} from '../../src/simulator/index.ts';
import { eventually } from '../support/wait.ts';

type AnyClient = SocketClientV4 | SocketClientV5;
type ClientOptions = ConstructorParameters<typeof SocketClientV5>[2];

const LINES = [
  {
    name: '4.9.2 (Engine.IO v3)',
    line: 4,
    create: (url: string, token: string, options: ClientOptions) =>
      new SocketClientV4(url, token, options),
  },
  {
    name: '5.0.0-beta.26 (Engine.IO v4)',
    line: 5,
    create: (url: string, token: string, options: ClientOptions) =>
      new SocketClientV5(url, token, options),
  },
] as const;

/** The next `event` of the client, or a rejection after `timeoutMs`. */
function next<T>(client: AnyClient, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.each(LINES)('@cognigy/socket-client $name against the simulator', ({ line, create }) => {
  let sim: RunningSimulator;
  const clients: AnyClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await sim.close();
    vi.restoreAllMocks();
  });

  async function start(): Promise<void> {
    // The library logs every step to the console; keep the test output readable.
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    sim = await startSimulator({ port: 0 });
  }

  function client(options: ClientOptions = {}, token = DEFAULT_COGNIGY_URL_TOKEN): AnyClient {
    const created = create(sim.url, token, { reconnection: false, ...options });
    clients.push(created);
    return created;
  }

  const truth = (): WsEndpointTruth => sim.truth().ws_endpoints.cognigy_socket;

  it('runs a full turn: connect, endpoint-ready, sendMessage → output → finalPing, acked', async () => {
    await start();
    // '@' and '+' survive the library's own encodeURIComponent of every query value.
    const cognigy = client({ userId: 'probe+1@example.com', sessionId: 'session-1' });
    // What the library picks in Node by itself: websocket only (docs/protocols.md §5.2).
    expect(cognigy.socketOptions.forceWebsockets).toBe(true);
    await cognigy.connect();
    expect(cognigy.connected).toBe(true);
    expect(cognigy.isEndpointReady).toBe(true);
    const output = next<{ text: string; data: unknown }>(cognigy, 'output');
    const finalPing = next(cognigy, 'finalPing');
    cognigy.sendMessage('hello', { color: 'green' });
    expect(await output).toEqual({ text: 'You said: hello', data: {} });
    await finalPing;
    await eventually(() => truth().acks_received === 2, 5_000, 'the output and finalPing acks');
    expect(truth()).toMatchObject({
      handshakes: { accepted: 1, refused: {} },
      inputs: 1,
      outputs: 1,
      rejected_inputs: {},
      acks_received: 2,
      acks_missing: 0,
    });
  });

  it('gets an error output (no finalPing) for an input with neither text nor data', async () => {
    await start();
    const cognigy = client();
    await cognigy.connect();
    const error = next<string>(cognigy, 'error');
    cognigy.sendMessage('');
    expect(await error).toMatch(/text or data/);
    expect(truth().rejected_inputs).toEqual({ empty: 1 });
  });

  it('is rejected for a bad URL token', async () => {
    await start();
    const cognigy = client({}, 'f'.repeat(64));
    if (line === 5) {
      // socket.io-client 4: the middleware's refusal is a CONNECT_ERROR packet → connect_error
      // → the library rejects connect().
      const refusal = next<Error>(cognigy, 'socket/connect_error');
      await expect(cognigy.connect()).rejects.toThrow('[SocketClient] Error connecting');
      expect((await refusal).message).toBe('Unknown URL token');
    } else {
      // socket.io-client 2 (Socket.IO protocol v4 over Engine.IO v3): the same refusal reaches
      // it as an ERROR packet, which it emits as `error`, not `connect_error`. The library only
      // forwards that as `socket/error`; its connect() waits for `connect_error` or
      // `endpoint-ready` and so never settles (see node_modules/@cognigy/socket-client
      // lib/socket-client.js, connect()).
      const refusal = next<string>(cognigy, 'socket/error');
      const settled = cognigy.connect().then(
        () => 'resolved',
        () => 'rejected',
      );
      expect(await refusal).toBe('Unknown URL token');
      const outcome = await Promise.race([
        settled,
        new Promise((resolve) => setTimeout(resolve, 300, 'pending')),
      ]);
      expect(outcome).toBe('pending');
    }
    expect(truth().handshakes).toEqual({ accepted: 0, refused: { connect_error: 1 } });
    expect(sim.sessions('cognigy_socket')).toBe(0);
  });

  it('completes the inner handshake (enableInnerSocketHandshake) and runs a turn', async () => {
    await start();
    const cognigy = client({ enableInnerSocketHandshake: true, userId: 'u-inner' });
    // connect() resolves as soon as the library has acked `handshake`; messages sent before
    // `endpoint-ready` are buffered and flushed by the library when it arrives.
    await cognigy.connect();
    const output = next<{ text: string }>(cognigy, 'output');
    cognigy.sendMessage('inner');
    expect(await output).toMatchObject({ text: 'You said: inner' });
    expect(truth()).toMatchObject({
      inner_handshakes: 1,
      handshakes: { accepted: 1, refused: {} },
      rejected_inputs: {},
    });
  });

  it('is disconnected when the inner handshake carries a bad URL token', async () => {
    await start();
    const cognigy = client({ enableInnerSocketHandshake: true }, 'e'.repeat(64));
    const disconnected = next<string>(cognigy, 'socket/disconnect');
    await cognigy.connect();
    expect(await disconnected).toBe('io server disconnect');
    expect(truth()).toMatchObject({
      inner_handshakes: 0,
      handshakes: { accepted: 0, refused: { connect_error: 1 } },
    });
  });
});
