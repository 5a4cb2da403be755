/**
 * `kind: cognigy-socket` against hand-driven peers (docs/protocols.md §5.2, §10.6): a real
 * Socket.IO v4 server that records what the prober sends and answers what a misbehaving
 * endpoint would, and a bare WebSocket server that speaks broken Engine.IO.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  recordingEvents,
  startSessionTarget,
  type RecordedEvents,
} from '../support/session-events.ts';
import { configFrom, depsFor } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';

const TOKEN = 'a'.repeat(64);

const until = (check: () => boolean, what: string, timeoutMs = 5_000): Promise<true> =>
  eventually(() => Promise.resolve(check() || undefined), timeoutMs, what);

interface Peer {
  url: string;
  close: () => Promise<void>;
}

async function listen(server: HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A Socket.IO v4 endpoint whose behaviour per connection the test writes. */
async function socketIoPeer(onConnection: (socket: ServerSocket) => void): Promise<Peer> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  io.on('connection', onConnection);
  const url = await listen(http);
  return {
    url,
    close: async () => {
      await io.close();
    },
  };
}

/** A bare WebSocket server on the Socket.IO path that sends `frames` on every connection. */
async function rawEngineIoPeer(frames: string[]): Promise<Peer & { connections: () => number }> {
  const http = createServer((_req, res) => {
    res.writeHead(400).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/socket.io/' });
  let connections = 0;
  wss.on('connection', (ws: WebSocket) => {
    connections += 1;
    for (const frame of frames) ws.send(frame);
  });
  const url = await listen(http);
  return {
    url,
    connections: () => connections,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => {
        wss.close(resolve);
      });
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

const OPEN = {
  sid: 'hand-driven',
  upgrades: ['websocket'],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxPayload: 1_000_000,
};

/**
 * A hand-written Engine.IO v4 server: long polling answers `pollingOpen` to the handshake, then
 * the Socket.IO CONNECT and `endpoint-ready`, then noops; a websocket upgrade probe is answered
 * and, once upgraded, the socket receives `afterUpgrade`.
 */
async function handEngineIoPeer(
  pollingOpen: string,
  afterUpgrade: string[] = [],
): Promise<Peer & { upgraded: () => boolean }> {
  let polls = 0;
  let upgraded = false;
  const http = createServer((req, res) => {
    if (req.method === 'POST') {
      req.resume();
      res.end('ok');
      return;
    }
    polls += 1;
    if (polls === 1) res.end(pollingOpen);
    else if (polls === 2) res.end('40{"sid":"socket"}\x1e42["endpoint-ready"]');
    // Further polls: a noop after a while, so the client can pause polling for the upgrade.
    else setTimeout(() => res.end('6'), 50);
  });
  const wss = new WebSocketServer({ server: http, path: '/socket.io/' });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text === '2probe') ws.send('3probe');
      if (text === '5') {
        upgraded = true;
        for (const frame of afterUpgrade) ws.send(frame);
      }
    });
  });
  const url = await listen(http);
  return {
    url,
    upgraded: () => upgraded,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => {
        wss.close(resolve);
      });
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

describe('kind: cognigy-socket against hand-driven peers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function peer<T extends Peer>(started: Promise<T>): Promise<T> {
    const running = await started;
    cleanups.push(() => running.close());
    return running;
  }

  async function start(url: string, extra = '', budget = '2s'): Promise<RecordedEvents> {
    const yaml = `
targets:
  - name: cognigy
    kind: cognigy-socket
    url: ${url}
    url_token: ${TOKEN}
    interval: 500ms
    timeout: 500ms
    budget: ${budget}
${extra}`;
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    return recorder;
  }

  /** Records the transport, the query and every processInput; answers with output + finalPing. */
  async function recordingPeer() {
    const seen: {
      transport?: string;
      query?: Record<string, unknown>;
      inputs: unknown[];
      acks: number;
    } = { inputs: [], acks: 0 };
    const running = await peer(
      socketIoPeer((socket) => {
        seen.transport = socket.conn.transport.name;
        seen.query = { ...socket.handshake.query };
        socket.emit('endpoint-ready');
        socket.on('processInput', (payload: unknown) => {
          seen.inputs.push(payload);
          socket
            .timeout(1_000)
            .emit(
              'output',
              { type: 'output', data: { text: 'hi', data: {} } },
              (error: Error | null) => {
                if (error === null) seen.acks += 1;
              },
            );
          socket.emit('finalPing', { type: 'regular' });
        });
      }),
    );
    return { url: running.url, seen };
  }

  it('speaks as @cognigy/socket-client by default: websocket only, ids in the query, its processInput', async () => {
    const { url, seen } = await recordingPeer();
    const recorder = await start(url);
    await until(() => recorder.of('turn').length >= 1 && seen.acks >= 1, 'an acked turn');
    expect(seen.transport).toBe('websocket');
    expect(seen.query).toMatchObject({
      EIO: '4',
      transport: 'websocket',
      sessionId: expect.stringMatching(/^cxprobe-[0-9a-f-]{36}$/) as unknown,
      urlToken: TOKEN,
      userId: 'cxprobe-synthetic-user',
      testMode: 'false',
      emitWithAck: 'true',
    });
    expect(seen.inputs[0]).toEqual({
      URLToken: TOKEN,
      userId: 'cxprobe-synthetic-user',
      sessionId: seen.query?.sessionId,
      channel: 'socket-client',
      source: 'device',
      // The library's default; never a made-up address.
      passthroughIP: null,
      resetFlow: false,
      text: expect.any(String) as unknown,
      data: { cxprobe: true },
    });
    expect(recorder.of('turn')[0]?.slice(2)).toEqual([true, 'success']);
  });

  it('sends passthrough_ip and emit_with_ack as configured, and can use long polling', async () => {
    const { url, seen } = await recordingPeer();
    const recorder = await start(
      url,
      `    passthrough_ip: 203.0.113.7
    emit_with_ack: false
    user_id: probe+1@example.com
    transports: [polling]`,
    );
    await until(() => recorder.of('turn').length >= 1, 'a turn');
    expect(seen.transport).toBe('polling');
    // URI-encoded once by cxprobe as by the library, once more by socket.io-client.
    expect(seen.query).toMatchObject({
      emitWithAck: 'false',
      userId: encodeURIComponent('probe+1@example.com'),
    });
    expect(seen.inputs[0]).toMatchObject({
      passthroughIP: '203.0.113.7',
      userId: 'probe+1@example.com',
    });
  });

  it('fails a turn at once on an error output that has no finalPing', async () => {
    const running = await peer(
      socketIoPeer((socket) => {
        socket.emit('endpoint-ready');
        socket.on('processInput', () => {
          socket.emit('output', { type: 'error', data: { error: 'flow failed' } });
        });
      }),
    );
    // A 20 s budget: only the error output itself can end the turn within the wait below.
    const recorder = await start(running.url, '', '20s');
    await until(() => recorder.of('turn').length >= 2, 'two failed turns', 4_000);
    for (const [first, total, ok, reason] of recorder.of('turn')) {
      expect(ok).toBe(false);
      expect(reason).toBe('bot_failed');
      expect(total).toBeLessThan(2);
      expect(first).toBeLessThanOrEqual(total as number);
    }
    expect(recorder.of('health').at(-1)).toEqual([false, 'bot_failed']);
  });

  it('fails a turn at once on an output that is not a Cognigy output', async () => {
    const running = await peer(
      socketIoPeer((socket) => {
        socket.emit('endpoint-ready');
        socket.on('processInput', () => {
          socket.emit('output', 'not an object');
        });
      }),
    );
    const recorder = await start(running.url, '', '20s');
    await until(() => recorder.of('turn').length >= 1, 'a failed turn', 4_000);
    expect(recorder.of('turn')[0]?.slice(2)).toEqual([false, 'invalid_json']);
  });

  it.each([
    ['not JSON', '0{bad'],
    ['missing fields', '0{"sid":"x"}'],
    [
      'timers Node cannot hold',
      '0{"sid":"x","upgrades":[],"pingInterval":2147483647,"pingTimeout":20000}',
    ],
  ])(
    'ends the attempt, not the process, on an Engine.IO open packet with %s',
    async (_what, frame) => {
      const running = await peer(rawEngineIoPeer([frame]));
      const recorder = await start(running.url);
      await until(() => recorder.of('connect_failed').length >= 2, 'two refused attempts');
      for (const [reason, status, message] of recorder.of('connect_failed')) {
        expect(reason).toBe('protocol_error');
        expect(status).toBeUndefined();
        expect(message).toContain('invalid Engine.IO open packet');
      }
      expect(recorder.of('connected')).toEqual([]);
      expect(running.connections()).toBeGreaterThanOrEqual(2);
    },
  );
  it('ends the attempt on a bad open packet over long polling too', async () => {
    const running = await peer(handEngineIoPeer('0{bad'));
    const recorder = await start(running.url, '    transports: [polling, websocket]');
    await until(() => recorder.of('connect_failed').length >= 1, 'a refused attempt');
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('protocol_error');
  });

  it('ends the session, not the process, on an open packet after the websocket upgrade', async () => {
    const running = await peer(handEngineIoPeer(`0${JSON.stringify(OPEN)}`, ['0{bad']));
    const recorder = await start(running.url, '    transports: [polling, websocket]');
    await until(() => recorder.of('closed').length >= 1, 'the session to end');
    expect(running.upgraded()).toBe(true);
    expect(recorder.of('connected')).toHaveLength(1);
    expect(recorder.of('closed')[0]?.[0]).toMatchObject({
      code: 1002,
      reason: 'protocol_error',
      abnormal: true,
    });
  });
});
