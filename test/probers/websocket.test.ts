import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ProberDeps } from '../../src/probers/deps.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { eventually } from '../support/wait.ts';

interface TestServer {
  url: string;
  wss: WebSocketServer;
  server: Server;
  handshakes: { headers: Record<string, string | string[] | undefined>; url: string | undefined }[];
  refuseNext: number[];
  close: () => Promise<void>;
}

/** A ws server on port 0 that can refuse handshakes; tests add their own connection behaviour. */
async function startServer(options: { autoPong?: boolean } = {}): Promise<TestServer> {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  const state: TestServer = {
    url: '',
    wss,
    server,
    handshakes: [],
    refuseNext: [],
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('upgrade', (request, socket, head) => {
    state.handshakes.push({ headers: request.headers, url: request.url });
    const refuse = state.refuseNext.shift();
    if (refuse !== undefined) {
      socket.end(`HTTP/1.1 ${refuse} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  return state;
}

const deps = (token?: { value: () => string; invalidated: string[] }): ProberDeps => ({
  tokenSource: (name) =>
    name === undefined || token === undefined
      ? undefined
      : ({
          getToken: () => Promise.resolve(token.value()),
          invalidate: (value: string) => token.invalidated.push(value),
        } as never),
  readCa: () => Promise.resolve(undefined),
});

function runnerFor(
  yaml: string,
  recorder: ReturnType<typeof recordingEvents>,
  prober: ProberDeps = deps(),
) {
  return startSessionTarget(yaml, recorder, prober);
}

const target = (url: string, extra = '') => `
credentials:
  c: { type: generic, token_url: 'http://127.0.0.1:9/token', client_id: a, client_secret: b }
targets:
  - name: ws
    kind: websocket
    url: ${url}
    timeout: 2s
    ping: { interval: 100ms, timeout: 300ms }
${extra}`;

describe('kind: websocket', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps a session open and times control pings matched by payload', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url), recorder);
    cleanups.push(() => runner.stop());
    await eventually(() => Promise.resolve(recorder.of('ping').length >= 3), 5_000, 'three pongs');
    const [phases] = recorder.of('connected')[0] as [Record<string, number>];
    expect(Object.keys(phases)).toEqual(
      expect.arrayContaining(['tcp', 'upgrade', 'protocol_open']),
    );
    for (const [layer, rtt] of recorder.of('ping')) {
      expect(layer).toBe('control');
      expect(rtt).toBeGreaterThan(0);
    }
    expect(recorder.of('closed')).toHaveLength(0);
  });

  it('times application pings matched by a JSON field and runs steps after open', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    server.wss.on('connection', (client: WebSocket) => {
      client.on('message', (data) => {
        const text = (data as Buffer).toString();
        if (text === 'hello') client.send('welcome aboard');
        else
          setTimeout(() => {
            client.send(text.replace('"ping"', '"pong"'));
          }, 20);
      });
    });
    const recorder = recordingEvents();
    const extra = `    steps: [{ send: hello }, { expect: welcome, timeout: 1s }]
    app_ping: { interval: 100ms, timeout: 1s, send: '{"type":"ping","id":"{{id}}"}', match_json: id }`;
    const runner = await runnerFor(target(server.url, extra), recorder);
    cleanups.push(() => runner.stop());
    await eventually(
      () =>
        Promise.resolve(
          recorder.of('ping').filter(([layer]) => layer === 'application').length >= 2,
        ),
      5_000,
      'application pongs',
    );
    const appRtts = recorder
      .of('ping')
      .filter(([layer]) => layer === 'application')
      .map(([, rtt]) => rtt as number);
    expect(Math.min(...appRtts)).toBeGreaterThanOrEqual(0.019);
  });

  it('counts a TCP drop without a close frame as abnormal 1006 and reconnects', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    let connections = 0;
    server.wss.on('connection', (client: WebSocket) => {
      connections++;
      if (connections === 1)
        setTimeout(() => {
          (client as unknown as { _socket: { destroy: () => void } })._socket.destroy();
        }, 50);
    });
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url), recorder);
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('connected').length >= 2),
      5_000,
      'reconnect',
    );
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end).toMatchObject({ code: 1006, reason: 'abnormal_closure', abnormal: true });
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('abnormal_closure');
  });

  it('detects a half-open connection: unanswered pings end the session as ping_timeout', async () => {
    const server = await startServer({ autoPong: false });
    cleanups.push(server.close);
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url), recorder);
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1),
      5_000,
      'ping timeout',
    );
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end).toMatchObject({ reason: 'ping_timeout', abnormal: true });
    expect(recorder.of('ping_lost').length).toBeGreaterThanOrEqual(1);
  });

  it('classifies closes: 1011 unannounced is abnormal, 1000 is not', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    let connections = 0;
    server.wss.on('connection', (client: WebSocket) => {
      connections++;
      if (connections === 1)
        setTimeout(() => {
          client.close(1011, 'oops');
        }, 30);
      if (connections === 2)
        setTimeout(() => {
          client.close(1000, 'bye');
        }, 30);
    });
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url), recorder);
    cleanups.push(() => runner.stop());
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 2), 5_000, 'two closes');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      code: 1011,
      reason: 'server_close',
      abnormal: true,
    });
    expect((recorder.of('closed')[1] as [SessionEnd])[0]).toMatchObject({
      code: 1000,
      reason: 'server_close',
      abnormal: false,
    });
  });

  it('ends a session on a frame over max_payload (1009)', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    server.wss.on('connection', (client: WebSocket) => {
      setTimeout(() => {
        client.send(Buffer.alloc(4096));
      }, 30);
    });
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url, '    max_payload: 1024'), recorder);
    cleanups.push(() => runner.stop());
    await eventually(() => Promise.resolve(recorder.of('closed').length >= 1), 5_000, 'close');
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      code: 1009,
      reason: 'message_too_big',
      abnormal: true,
    });
  });

  it('sends a fresh bearer token on every connect and drops a token the upgrade refused', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    server.refuseNext.push(401);
    let issued = 0;
    const token = { value: () => `token-${++issued}`, invalidated: [] as string[] };
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url, '    credential: c'), recorder, deps(token));
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('connected').length >= 1),
      5_000,
      'connect after 401',
    );
    expect(recorder.of('connect_failed')[0]).toEqual([
      'unauthorized',
      401,
      'upgrade answered HTTP 401',
    ]);
    expect(token.invalidated).toEqual(['token-1']);
    expect(server.handshakes.map((handshake) => handshake.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('can carry the token in a query parameter instead', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    const token = { value: () => 'query-token', invalidated: [] as string[] };
    const recorder = recordingEvents();
    const runner = await runnerFor(
      target(server.url, '    credential: c\n    credential_in: query'),
      recorder,
      deps(token),
    );
    cleanups.push(() => runner.stop());
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 5_000, 'connect');
    expect(server.handshakes[0]?.url).toBe('/ws?access_token=query-token');
  });

  it('reports refused connections and backs off between attempts', async () => {
    const server = await startServer();
    const url = server.url;
    await server.close();
    const recorder = recordingEvents();
    const runner = await runnerFor(target(url), recorder);
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length >= 3),
      5_000,
      'three failures',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('connection_refused');
    for (const [reason, delay] of recorder.of('reconnecting')) {
      expect(reason).toBe('handshake_failed');
      expect(delay).toBeLessThanOrEqual(0.2);
    }
  });

  it('closes with 1001 on stop and reports the shutdown as not abnormal', async () => {
    const server = await startServer();
    cleanups.push(server.close);
    const codes: number[] = [];
    server.wss.on('connection', (client: WebSocket) =>
      client.on('close', (code) => codes.push(code)),
    );
    const recorder = recordingEvents();
    const runner = await runnerFor(target(server.url), recorder);
    await eventually(() => Promise.resolve(recorder.of('connected').length >= 1), 5_000, 'connect');
    await runner.stop();
    await eventually(() => Promise.resolve(codes.length === 1), 2_000, 'server sees close');
    expect(codes).toEqual([1001]);
    expect((recorder.of('closed')[0] as [SessionEnd])[0]).toMatchObject({
      reason: 'shutdown',
      abnormal: false,
    });
    expect(recorder.of('reconnecting')).toHaveLength(0);
  });
});
