import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/index.ts';
import { eventually, wsUrl } from './ws-helpers.ts';

const QUERY = { urlToken: DEFAULT_COGNIGY_URL_TOKEN, userId: 'u1', sessionId: 's1' };

function input(text?: string): Record<string, unknown> {
  return {
    URLToken: DEFAULT_COGNIGY_URL_TOKEN,
    userId: 'u1',
    sessionId: 's1',
    channel: 'socket-client',
    source: 'device',
    passthroughIP: '127.0.0.1',
    resetFlow: false,
    ...(text === undefined ? {} : { text }),
  };
}

function once<T>(socket: Socket, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe('Cognigy Socket.IO endpoint', () => {
  let sim: RunningSimulator;
  const clients: Socket[] = [];
  const start = async (options: SimulatorOptions = {}): Promise<void> => {
    sim = await startSimulator(options);
  };
  const connect = (
    query: Record<string, string> = QUERY,
    transports: ('websocket' | 'polling')[] = ['websocket'],
  ): Socket => {
    const client = io(sim.url, { query, transports, reconnection: false, forceNew: true });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await sim.close();
  });

  it('emits endpoint-ready, then answers processInput with output and finalPing', async () => {
    await start();
    sim.setFaults({ ws_endpoints: { cognigy_socket: { latency: { fixed_ms: 50 } } } });
    const client = connect({ ...QUERY, testMode: 'false', emitWithAck: 'false' });
    await once(client, 'endpoint-ready');
    const events: string[] = [];
    client.onAny((event: string) => events.push(event));
    const output = once(client, 'output');
    const finalPing = once(client, 'finalPing');
    const sent = performance.now();
    client.emit('processInput', input('hello'));
    expect(await output).toEqual({ type: 'output', data: { text: 'You said: hello', data: {} } });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(50);
    expect(await finalPing).toEqual({ type: 'regular' });
    expect(events).toEqual(['output', 'finalPing']);

    const truth = sim.truth().ws_endpoints.cognigy_socket;
    expect(truth).toMatchObject({
      handshakes: { accepted: 1 },
      sessions_open: 1,
      inputs: 1,
      outputs: 1,
    });
    expect(sim.pongDelays('cognigy_socket', 'application')).toEqual([50]);
  });

  it('answers an input without text or data with an error output', async () => {
    await start();
    const client = connect();
    await once(client, 'endpoint-ready');
    client.emit('processInput', input());
    expect(await once(client, 'output')).toEqual({
      type: 'error',
      data: { error: expect.any(String) as unknown },
    });
  });

  it('rejects an unknown URL token with connect_error', async () => {
    await start();
    const client = connect({ ...QUERY, urlToken: 'nope' });
    const error = await once<Error>(client, 'connect_error');
    expect(error.message).toMatch(/URL token/);
    expect(sim.truth().ws_endpoints.cognigy_socket.handshakes.refused).toEqual({
      connect_error: 1,
    });
    expect(sim.sessions('cognigy_socket')).toBe(0);
  });

  it('works over long polling too, handshake refusals included', async () => {
    await start();
    sim.setFaults({
      ws_endpoints: { cognigy_socket: { refuse_handshakes: { status: 503, count: 1 } } },
    });
    const refused = connect(QUERY, ['polling']);
    await once(refused, 'connect_error');
    const client = connect(QUERY, ['polling']);
    await once(client, 'endpoint-ready');
    client.emit('processInput', input('polled'));
    expect(await once(client, 'output')).toMatchObject({ data: { text: 'You said: polled' } });
    const truth = sim.truth().ws_endpoints.cognigy_socket;
    expect(truth.handshakes.refused).toEqual({ 503: 1 });
    expect(truth.injected.refused_handshake).toBe(1);
  });

  it('refuses websocket handshakes as told', async () => {
    await start();
    sim.setFaults({
      ws_endpoints: { cognigy_socket: { refuse_handshakes: { status: 403, count: 1 } } },
    });
    await once(connect(), 'connect_error');
    await once(connect(), 'endpoint-ready');
    expect(sim.truth().ws_endpoints.cognigy_socket.handshakes).toEqual({
      accepted: 1,
      refused: { 403: 1 },
    });
  });

  it.each([
    ['drop', 'transport close', '1006'],
    ['close_1011', 'transport close', '1011'],
    ['maintenance', 'transport close', '1001'],
  ] as const)('%s ends the session (%s), counted', async (action, reason, code) => {
    await start();
    const client = connect();
    await once(client, 'endpoint-ready');
    const disconnected = once<string>(client, 'disconnect');
    expect(sim.wsAction('cognigy_socket', action)).toBe(1);
    expect(await disconnected).toBe(reason);
    await eventually(() => sim.sessions('cognigy_socket') === 0);
    const truth = sim.truth().ws_endpoints.cognigy_socket;
    expect(truth.closes.server_closed).toEqual({ [code]: 1 });
    expect(truth.injected[action]).toBe(1);
  });

  it('counts a client disconnect by its reason', async () => {
    await start();
    const client = connect();
    await once(client, 'endpoint-ready');
    client.disconnect();
    await eventually(() => sim.sessions('cognigy_socket') === 0);
    expect(sim.truth().ws_endpoints.cognigy_socket.closes.client_closed).toEqual({
      'client namespace disconnect': 1,
    });
  });

  it('stall holds Engine.IO pings so the client times out while TCP stays open', async () => {
    await start({ socketIoPingIntervalMs: 100, socketIoPingTimeoutMs: 100 });
    const client = connect();
    await once(client, 'endpoint-ready');
    await eventually(() => sim.truth().ws_endpoints.cognigy_socket.heartbeats_sent >= 1);
    expect(sim.wsAction('cognigy_socket', 'stall')).toBe(1);
    client.emit('processInput', input('anyone?'));
    expect(await once<string>(client, 'disconnect')).toBe('ping timeout');
    expect(sim.truth().ws_endpoints.cognigy_socket.outputs).toBe(0);
  });

  it('unstall resumes Engine.IO pings before the client gives up', async () => {
    // The client gives up 700 ms after the last ping it saw.
    await start({ socketIoPingIntervalMs: 100, socketIoPingTimeoutMs: 600 });
    const client = connect();
    await once(client, 'endpoint-ready');
    sim.wsAction('cognigy_socket', 'stall');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.wsAction('cognigy_socket', 'unstall')).toBe(1);
    // Well past the client's limit: only resumed pings can keep it connected.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(client.connected).toBe(true);
    client.emit('processInput', input('back'));
    expect(await once(client, 'output')).toMatchObject({ data: { text: 'You said: back' } });
  });

  it('keeps a stalled session open on the server: no pings, no timeout, until unstalled', async () => {
    await start({ socketIoPingIntervalMs: 50, socketIoPingTimeoutMs: 50 });
    // A raw Engine.IO v4 client that never times out by itself, to watch the server alone.
    const { ws, frames, next } = rawEngineIo(sim, '4');
    try {
      await next((text) => text.startsWith('0{'));
      ws.send('40');
      await next((text) => text.startsWith('42["endpoint-ready"'));
      await next((text) => text === '2');
      ws.send('3');
      expect(sim.wsAction('cognigy_socket', 'stall')).toBe(1);
      const seen = frames.length;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(frames.slice(seen)).toEqual([]);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      expect(sim.sessions('cognigy_socket')).toBe(1);
      sim.wsAction('cognigy_socket', 'unstall');
      expect(await next((text) => text === '2', seen)).toBe('2');
    } finally {
      ws.terminate();
    }
  });

  it('serves an Engine.IO v3 (socket.io-client 2.x) client', async () => {
    await start();
    const { ws, next } = rawEngineIo(sim, '3');
    try {
      // Engine.IO v3 open packet, then the implicit connect of the main namespace.
      expect(JSON.parse((await next((text) => text.startsWith('0{'))).slice(1))).toMatchObject({
        sid: expect.any(String) as unknown,
        pingInterval: 25_000,
      });
      await next((text) => text.startsWith('42["endpoint-ready"'));
      ws.send(`42${JSON.stringify(['processInput', input('v3')])}`);
      const output = await next((text) => text.startsWith('42["output"'));
      expect(JSON.parse(output.slice(2))).toEqual([
        'output',
        { type: 'output', data: { text: 'You said: v3', data: {} } },
      ]);
      await next((text) => text.startsWith('42["finalPing"'));
      // v3 heartbeats go client → server.
      ws.send('2');
      await next((text) => text === '3');
      expect(sim.truth().ws_endpoints.cognigy_socket).toMatchObject({
        pings_received: 1,
        pongs_sent: 1,
      });
    } finally {
      ws.terminate();
    }
  });
});

/** A bare Engine.IO client over `ws`, speaking the wire format by hand. */
function rawEngineIo(
  sim: RunningSimulator,
  eio: '3' | '4',
): {
  ws: WebSocket;
  frames: string[];
  next: (match: (text: string) => boolean, from?: number) => Promise<string>;
} {
  const query = new URLSearchParams({ ...QUERY, EIO: eio, transport: 'websocket' });
  const ws = new WebSocket(wsUrl(sim, `/socket.io/?${query.toString()}`));
  const frames: string[] = [];
  const waiters: [(text: string) => boolean, (text: string) => void][] = [];
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    frames.push(text);
    const index = waiters.findIndex(([match]) => match(text));
    if (index >= 0) waiters.splice(index, 1)[0]?.[1](text);
  });
  const next = (match: (text: string) => boolean, from = 0): Promise<string> => {
    const seen = frames.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching frame within 5 s; got ${frames.join(' | ')}`));
      }, 5_000);
      waiters.push([
        match,
        (text) => {
          clearTimeout(timer);
          resolve(text);
        },
      ]);
    });
  };
  return { ws, frames, next };
}
