import { afterEach, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/index.ts';
import { call, genesysToken, json, postJson } from './helpers.ts';
import { eventually, openWs, ping, refusedStatus, type TestSocket } from './ws-helpers.ts';

interface ChannelAnswer {
  connectUri: string;
  id: string;
  expires: string;
}

const HEARTBEAT = '"WebSocket Heartbeat"';
const isPong = (text: string): boolean => text.includes('"message":"pong"');

describe('Genesys Notifications', () => {
  let sim: RunningSimulator;
  const sockets: TestSocket[] = [];
  const start = async (options: SimulatorOptions = {}): Promise<string> => {
    sim = await startSimulator(options);
    return genesysToken(sim);
  };
  const createChannel = async (token: string): Promise<ChannelAnswer> => {
    const answer = await call(
      sim,
      '/api/v2/notifications/channels',
      postJson({}, { authorization: `Bearer ${token}` }),
    );
    expect(answer.status).toBe(200);
    return json(answer) as unknown as ChannelAnswer;
  };
  const connect = async (channel: ChannelAnswer): Promise<TestSocket> => {
    const socket = await openWs(sim, new URL(channel.connectUri).pathname);
    sockets.push(socket);
    return socket;
  };
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await sim.close();
  });

  it('creates a channel only with a live Genesys token', async () => {
    const token = await start({ channelTtlSeconds: 3600 });
    const refused = await call(
      sim,
      '/api/v2/notifications/channels',
      postJson({}, { authorization: 'Bearer nope' }),
    );
    expect(refused.status).toBe(401);
    expect(json(refused)).toMatchObject({ status: 401, code: 'bad.credentials' });

    const before = Date.now();
    const channel = await createChannel(token);
    expect(channel.id).toMatch(/^streaming-0-[a-z0-9]{26}$/);
    expect(channel.connectUri).toBe(`ws://127.0.0.1:${sim.port}/channels/${channel.id}`);
    const expires = Date.parse(channel.expires);
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(sim.truth().endpoints.genesys_channels.responses).toEqual({ 200: 1, 401: 1 });
    expect(sim.truth().ws_endpoints.genesys_notifications.channels_created).toBe(1);
  });

  it('manages subscriptions over REST', async () => {
    const token = await start();
    const channel = await createChannel(token);
    const path = `/api/v2/notifications/channels/${channel.id}/subscriptions`;
    const auth = { authorization: `Bearer ${token}` };
    const put = await call(sim, path, {
      ...postJson([{ id: 'v2.users.a.presence' }, { id: 'v2.users.b.presence' }], auth),
      method: 'PUT',
    });
    expect(json(put)).toEqual({
      entities: [{ id: 'v2.users.a.presence' }, { id: 'v2.users.b.presence' }],
    });
    const post = await call(sim, path, postJson([{ id: 'v2.users.c.presence' }], auth));
    expect((json(post).entities as unknown[]).length).toBe(3);
    expect((json(await call(sim, path, { headers: auth })).entities as unknown[]).length).toBe(3);
    const removed = await call(sim, path, { method: 'DELETE', headers: auth });
    expect(json(removed)).toEqual({ entities: [] });

    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ id: `v2.users.${i}.presence` }));
    expect((await call(sim, path, { ...postJson(tooMany, auth), method: 'PUT' })).status).toBe(400);
    expect((await call(sim, path, postJson({ id: 'x' }, auth))).status).toBe(400);
    const unknown = '/api/v2/notifications/channels/streaming-0-nope/subscriptions';
    expect((await call(sim, unknown, { headers: auth })).status).toBe(404);
    expect(sim.truth().ws_endpoints.genesys_notifications.subscriptions).toBe(2);
  });

  it('connects, subscribes, answers pings and sends heartbeats', async () => {
    const token = await start({ heartbeatIntervalMs: 50 });
    sim.setFaults({
      ws_endpoints: { genesys_notifications: { pong_delay: { fixed_ms: 40, random_ms: 0 } } },
    });
    const socket = await connect(await createChannel(token));

    socket.ws.send(
      JSON.stringify({
        message: 'subscribe',
        topics: ['v2.users.u1.presence'],
        correlationId: 'c1',
      }),
    );
    expect(JSON.parse(await socket.next((text) => text.includes('"result"')))).toEqual({
      result: '200',
      status: 'subscribed',
      correlationId: 'c1',
    });

    const sent = performance.now();
    socket.ws.send(JSON.stringify({ message: 'ping' }));
    expect(JSON.parse(await socket.next(isPong))).toEqual({
      topicName: 'channel.metadata',
      eventBody: { message: 'pong' },
    });
    expect(performance.now() - sent).toBeGreaterThanOrEqual(40);

    expect(JSON.parse(await socket.next((text) => text.includes(HEARTBEAT)))).toEqual({
      topicName: 'channel.metadata',
      eventBody: { message: 'WebSocket Heartbeat' },
    });
    await socket.next((text) => text.includes(HEARTBEAT));

    // RFC 6455 pings are answered too, on the control layer.
    expect((await ping(socket.ws, 'rfc')).payload).toBe('rfc');

    socket.ws.send('not json');
    expect(JSON.parse(await socket.next((text) => text.includes('"400"')))).toEqual({
      result: '400',
      status: 'error',
    });

    const truth = sim.truth().ws_endpoints.genesys_notifications;
    expect(truth).toMatchObject({
      app_pings: 1,
      app_pongs: 1,
      subscriptions: 1,
      bad_messages: 1,
      pings_received: 1,
      pongs_sent: 1,
    });
    expect(truth.heartbeats_sent).toBeGreaterThanOrEqual(2);
    expect(sim.pongDelays('genesys_notifications', 'application')).toEqual([40]);
    expect(sim.pongDelays('genesys_notifications', 'control')).toEqual([40]);
  });

  it('refuses a connection to an unknown channel with 404', async () => {
    await start();
    expect(await refusedStatus(sim, '/channels/streaming-0-unknown')).toBe(404);
    expect(sim.truth().ws_endpoints.genesys_notifications.handshakes.refused).toEqual({ 404: 1 });
  });

  it('maintenance sends socket_closing, then closes with 1001 after the grace', async () => {
    const token = await start();
    sim.setFaults({ ws_endpoints: { genesys_notifications: { maintenance_grace_ms: 150 } } });
    const socket = await connect(await createChannel(token));
    const started = performance.now();
    expect(sim.wsAction('genesys_notifications', 'maintenance')).toBe(1);
    expect(JSON.parse(await socket.next((text) => text.includes('socket_closing')))).toEqual({
      topicName: 'v2.system.socket_closing',
      eventBody: { message: 'socket closing' },
    });
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect((await socket.closed).code).toBe(1001);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    // A second maintenance on the same session is not applied twice.
    expect(sim.wsAction('genesys_notifications', 'maintenance')).toBe(0);
    await eventually(() => sim.sessions('genesys_notifications') === 0);
    const truth = sim.truth().ws_endpoints.genesys_notifications;
    expect(truth.injected.maintenance).toBe(1);
    expect(truth.closes.server_closed).toEqual({ 1001: 1 });
  });

  it('closes with 1001 when the channel expires, and refuses it afterwards', async () => {
    const token = await start({ channelTtlSeconds: 0.3 });
    const channel = await createChannel(token);
    const socket = await connect(channel);
    expect((await socket.closed).code).toBe(1001);
    expect(await refusedStatus(sim, new URL(channel.connectUri).pathname)).toBe(404);
    const truth = sim.truth().ws_endpoints.genesys_notifications;
    expect(truth.channels_expired).toBe(1);
    expect(truth.closes.server_closed).toEqual({ 1001: 1 });
  });

  it('evicts the least recently used channel on the 21st, unconnected first', async () => {
    const token = await start();
    const channels: ChannelAnswer[] = [];
    for (let i = 0; i < 20; i += 1) channels.push(await createChannel(token));
    const [first, second] = channels;
    if (first === undefined || second === undefined) throw new Error('no channels');
    // The oldest channel is connected, so the second-oldest (unconnected) goes first.
    const socket = await connect(first);
    const newest = await createChannel(token);
    expect(await refusedStatus(sim, new URL(second.connectUri).pathname)).toBe(404);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
    expect(sim.truth().ws_endpoints.genesys_notifications.channels_evicted).toBe(1);

    const third = channels[2];
    if (third === undefined) throw new Error('no third channel');
    await connect(third);
    for (const channel of [...channels.slice(3), newest]) await connect(channel);
    // Now every channel of the client is connected: the least recently used one goes, 1001.
    await createChannel(token);
    expect((await socket.closed).code).toBe(1001);
    expect(sim.truth().ws_endpoints.genesys_notifications.channels_evicted).toBe(2);
  });

  it('replaces the connection of a channel connected twice', async () => {
    const token = await start();
    const channel = await createChannel(token);
    const a = await connect(channel);
    const b = await connect(channel);
    expect((await a.closed).code).toBe(1001);
    b.ws.send(JSON.stringify({ message: 'ping' }));
    await b.next(isPong);
  });
});
