import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../../../src/simulator/index.ts';
import { wsUrl } from '../../../support/simulator-ws.ts';
import { eventually } from '../../../support/wait.ts';

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
    expect(error.message).toBe('Unknown URL token');
    expect(sim.truth().ws_endpoints.cognigy_socket.handshakes.refused).toEqual({
      connect_error: 1,
    });
    expect(sim.sessions('cognigy_socket')).toBe(0);
  });

  it('rejects a connect query without userId or sessionId with connect_error', async () => {
    await start();
    const noSession = connect({ urlToken: DEFAULT_COGNIGY_URL_TOKEN, userId: 'u1' });
    expect((await once<Error>(noSession, 'connect_error')).message).toBe(
      'userId and sessionId are required',
    );
    const emptyUser = connect({ ...QUERY, userId: '' });
    await once(emptyUser, 'connect_error');
    expect(sim.truth().ws_endpoints.cognigy_socket.handshakes).toEqual({
      accepted: 0,
      refused: { bad_query: 2 },
    });
  });

  it('decodes query values the client library URI-encoded once more', async () => {
    await start();
    const client = connect({ ...QUERY, userId: encodeURIComponent('a+b@example.com') });
    await once(client, 'endpoint-ready');
    client.emit('processInput', { ...input('encoded'), userId: 'a+b@example.com' });
    expect(await once(client, 'output')).toMatchObject({ type: 'output' });
  });

  it.each([
    ['not_object', 'just text'],
    ['bad_field', { ...input('x'), sessionId: 42 }],
    ['bad_field', { ...input('x'), resetFlow: 'yes' }],
    ['bad_field', { ...input('x'), passthroughIP: 127 }],
    ['bad_field', { ...input('x'), data: [1, 2] }],
    ['url_token', { ...input('x'), URLToken: 'other' }],
    ['user_id', { ...input('x'), userId: 'someone-else' }],
    ['session_id', { ...input('x'), sessionId: 'another-session' }],
    ['empty', input('')],
  ] as const)(
    'rejects a processInput (%s) with an error output, no finalPing',
    async (reason, payload) => {
      await start();
      const client = connect();
      await once(client, 'endpoint-ready');
      const events: string[] = [];
      client.onAny((event: string) => events.push(event));
      client.emit('processInput', payload);
      expect(await once(client, 'output')).toEqual({
        type: 'error',
        data: { error: expect.any(String) as unknown },
      });
      // A valid input afterwards is answered normally: the rejection did not end the session.
      client.emit('processInput', input('after'));
      await once(client, 'finalPing');
      expect(events).toEqual(['output', 'output', 'finalPing']);
      expect(sim.truth().ws_endpoints.cognigy_socket.rejected_inputs).toEqual({ [reason]: 1 });
    },
  );

  it('accepts a processInput without text when resetFlow is true, or with data only', async () => {
    await start();
    const client = connect();
    await once(client, 'endpoint-ready');
    client.emit('processInput', { ...input(), resetFlow: true });
    expect(await once(client, 'output')).toMatchObject({ type: 'output' });
    client.emit('processInput', { ...input(''), data: { key: 'value' }, passthroughIP: null });
    expect(await once(client, 'output')).toMatchObject({ type: 'output' });
    expect(sim.truth().ws_endpoints.cognigy_socket.rejected_inputs).toEqual({});
  });

  it('emits outputs with an ack callback for emitWithAck clients and counts missing acks', async () => {
    await start({ cognigyAckTimeoutMs: 200 });
    const acking = connect({ ...QUERY, emitWithAck: 'true' });
    await once(acking, 'endpoint-ready');
    const acked = new Promise<void>((resolve) => {
      acking.on('finalPing', (_payload: unknown, ack: () => void) => {
        ack();
        resolve();
      });
    });
    acking.on('output', (_payload: unknown, ack: () => void) => {
      ack();
    });
    acking.emit('processInput', input('ack me'));
    await acked;
    await eventually(() => sim.truth().ws_endpoints.cognigy_socket.acks_received === 2);

    // A client that asked for acks and never gives one.
    const silent = connect({ ...QUERY, sessionId: 's2', emitWithAck: 'true' });
    await once(silent, 'endpoint-ready');
    silent.emit('processInput', { ...input('ignored'), sessionId: 's2' });
    await once(silent, 'finalPing');
    await eventually(() => sim.truth().ws_endpoints.cognigy_socket.acks_missing === 2);
    expect(sim.truth().ws_endpoints.cognigy_socket.acks_received).toBe(2);
  });

  describe('inner handshake (handshake=true)', () => {
    const HANDSHAKE = { handshake: 'true' };
    const ACK = {
      userId: 'u1',
      sessionId: 's1',
      urlToken: DEFAULT_COGNIGY_URL_TOKEN,
      testMode: false,
      emitWithAck: false,
    };

    it('emits handshake with an ack callback, then endpoint-ready once acked', async () => {
      await start();
      const client = connect(HANDSHAKE);
      client.on('handshake', (ack: (options: unknown) => void) => {
        ack(ACK);
      });
      await once(client, 'endpoint-ready');
      client.emit('processInput', input('inner'));
      expect(await once(client, 'output')).toMatchObject({ data: { text: 'You said: inner' } });
      expect(sim.truth().ws_endpoints.cognigy_socket).toMatchObject({
        inner_handshakes: 1,
        handshakes: { accepted: 1, refused: {} },
      });
    });

    it.each([
      ['bad_handshake', { ...ACK, sessionId: undefined }],
      ['bad_handshake', { ...ACK, testMode: 'false' }],
      ['bad_handshake', 'not an object'],
      ['connect_error', { ...ACK, urlToken: 'unknown' }],
    ] as const)('disconnects a client whose ack is wrong (%s)', async (reason, ack) => {
      await start();
      const client = connect(HANDSHAKE);
      client.on('handshake', (callback: (options: unknown) => void) => {
        callback(ack);
      });
      expect(await once<string>(client, 'disconnect')).toBe('io server disconnect');
      expect(sim.truth().ws_endpoints.cognigy_socket).toMatchObject({
        inner_handshakes: 0,
        handshakes: { accepted: 0, refused: { [reason]: 1 } },
      });
    });

    it('disconnects a client that never acks the handshake', async () => {
      await start({ cognigyAckTimeoutMs: 150 });
      const client = connect(HANDSHAKE);
      const events: string[] = [];
      client.onAny((event: string) => events.push(event));
      expect(await once<string>(client, 'disconnect')).toBe('io server disconnect');
      expect(events).toEqual(['handshake']);
      expect(sim.truth().ws_endpoints.cognigy_socket.handshakes.refused).toEqual({
        handshake_timeout: 1,
      });
    });
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

  it.each([
    // Socket.IO protocol v5 (Engine.IO v4): a CONNECT_ERROR packet with a message object.
    ['4', '44{"message":"Unknown URL token"}'],
    // Socket.IO protocol v4 (Engine.IO v3): an ERROR packet with the bare message string.
    ['3', '44"Unknown URL token"'],
  ] as const)('sends Engine.IO v%s clients the URL-token refusal as %s', async (eio, frame) => {
    await start();
    const { ws, next } = rawEngineIo(sim, eio, { ...QUERY, urlToken: 'f'.repeat(64) });
    try {
      await next((text) => text.startsWith('0{'));
      if (eio === '4') ws.send('40');
      expect(await next((text) => text.startsWith('44'))).toBe(frame);
      expect(sim.truth().ws_endpoints.cognigy_socket.handshakes.refused).toEqual({
        connect_error: 1,
      });
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
  connectQuery: Record<string, string> = QUERY,
): {
  ws: WebSocket;
  frames: string[];
  next: (match: (text: string) => boolean, from?: number) => Promise<string>;
} {
  const query = new URLSearchParams({ ...connectQuery, EIO: eio, transport: 'websocket' });
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
