import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../../../src/simulator/index.ts';
import {
  call,
  genesysToken,
  json,
  postJson,
  type Answer,
} from '../../../support/simulator-http.ts';
import { openWs, ping, refusedStatus, type TestSocket } from '../../../support/simulator-ws.ts';
import { eventually } from '../../../support/wait.ts';

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

  describe('strict REST API', () => {
    const CHANNELS = '/api/v2/notifications/channels';
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const subscriptions = (channel: ChannelAnswer) => `${CHANNELS}/${channel.id}/subscriptions`;
    const put = (path: string, body: unknown, token: string, raw = false): Promise<Answer> =>
      call(sim, path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        body: raw ? (body as string) : JSON.stringify(body),
      });
    const head = (channelId: string, token?: string): Promise<Answer> =>
      call(sim, `${CHANNELS}/${channelId}`, {
        method: 'HEAD',
        headers: token === undefined ? {} : bearer(token),
      });
    const rejections = (): Record<string, number> =>
      sim.truth().ws_endpoints.genesys_notifications.rest_rejections ?? {};
    const second = { platform: 'genesys' as const, clientId: 'other-app', clientSecret: 's2' };

    it('lists the channels of the calling token, or of every token of the client', async () => {
      const token = await start({ clients: [...DEFAULT_SIMULATOR_CLIENTS, second] });
      const otherToken = await genesysToken(sim);
      const otherClient = await genesysToken(sim, second.clientId, second.clientSecret);
      const mine = await createChannel(token);
      await createChannel(otherToken);
      await createChannel(otherClient);

      const own = await call(sim, CHANNELS, { headers: bearer(token) });
      expect(own.status).toBe(200);
      expect(json(own)).toEqual({ entities: [mine] });
      const streaming = await call(sim, `${CHANNELS}?connectionType=streaming`, {
        headers: bearer(token),
      });
      expect(json(streaming)).toEqual({ entities: [mine] });

      // Channels of the client's other tokens show that they exist, without their id.
      const all = await call(sim, `${CHANNELS}?includechannels=oauthclient`, {
        headers: bearer(token),
      });
      const entities = json(all).entities as Record<string, unknown>[];
      expect(entities).toHaveLength(2);
      expect(entities).toContainEqual(mine);
      expect(entities.find((entity) => entity.id === undefined)).toEqual({
        expires: expect.any(String) as unknown,
      });
    });

    it('rejects unknown query values with 400, counted as bad_query', async () => {
      const token = await start();
      const channel = await createChannel(token);
      for (const path of [
        `${CHANNELS}?includechannels=everyone`,
        `${CHANNELS}?connectionType=longpolling`,
      ]) {
        const answer = await call(sim, path, { headers: bearer(token) });
        expect(answer.status).toBe(400);
        expect(json(answer)).toMatchObject({ status: 400, code: 'bad.request' });
      }
      const topic = [{ id: 'v2.users.a.presence' }];
      expect((await put(`${subscriptions(channel)}?ignoreErrors=maybe`, topic, token)).status).toBe(
        400,
      );
      expect((await put(`${subscriptions(channel)}?ignoreErrors=true`, topic, token)).status).toBe(
        200,
      );
      expect(rejections()).toEqual({ bad_query: 3 });
    });

    it('answers HEAD on a channel 200 while it lives and 404 otherwise', async () => {
      const token = await start({ channelTtlSeconds: 0.4 });
      const channel = await createChannel(token);
      const alive = await head(channel.id, token);
      expect(alive.status).toBe(200);
      expect(alive.text).toBe('');
      expect((await head('streaming-0-unknown', token)).status).toBe(404);
      expect((await head(channel.id)).status).toBe(401);
      await eventually(
        () => sim.truth().ws_endpoints.genesys_notifications.channels_expired === 1,
        2_000,
      );
      expect((await head(channel.id, token)).status).toBe(404);
      expect(sim.truth().endpoints.genesys_channels.responses).toMatchObject({ 200: 2, 404: 2 });
      expect(rejections()).toEqual({ unknown_channel: 2, missing_bearer: 1 });
    });

    it('hides the channels of another OAuth client (404)', async () => {
      const token = await start({ clients: [...DEFAULT_SIMULATOR_CLIENTS, second] });
      const channel = await createChannel(token);
      const stranger = await genesysToken(sim, second.clientId, second.clientSecret);
      expect((await head(channel.id, stranger)).status).toBe(404);
      expect((await call(sim, subscriptions(channel), { headers: bearer(stranger) })).status).toBe(
        404,
      );
      expect(rejections()).toEqual({ unknown_channel: 2 });
    });

    it('refuses calls without a bearer token or with an unknown one', async () => {
      const token = await start();
      const channel = await createChannel(token);
      const missing = await call(sim, CHANNELS, { method: 'POST' });
      expect(missing.status).toBe(401);
      expect(json(missing)).toMatchObject({
        status: 401,
        code: 'authentication.required',
        message: 'No authentication bearer token specified in authorization header.',
      });
      const basicAuth = await call(sim, subscriptions(channel), {
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
      });
      expect(basicAuth.status).toBe(401);
      const invalid = await put(subscriptions(channel), [], 'not-a-token');
      expect(invalid.status).toBe(401);
      expect(json(invalid)).toMatchObject({ code: 'bad.credentials' });
      expect(rejections()).toEqual({ missing_bearer: 2, invalid_bearer: 1 });
    });

    it('validates the subscription body: an array of {id} with well-formed topics', async () => {
      const token = await start();
      const channel = await createChannel(token);
      const path = subscriptions(channel);
      const refused = async (body: unknown, raw = false): Promise<Record<string, unknown>> => {
        const answer = await put(path, body, token, raw);
        expect(answer.status).toBe(400);
        return json(answer);
      };
      await refused({ id: 'v2.users.a.presence' });
      await refused(['v2.users.a.presence']);
      await refused([{ topic: 'v2.users.a.presence' }]);
      await refused('[{"id": "v2.users.a.presence"', true);
      expect((await refused([{ id: 'users.a.presence' }])).message).toContain('invalid topic');
      await refused([{ id: '' }]);
      await refused([{ id: 'v2.users.a presence' }]);
      await refused([{ id: 'v2.users.a.presence' }, { id: 'v2..x' }]);
      const combined = `v2.users.${'a'.repeat(190)}?presence&routingStatus`;
      expect((await refused([{ id: combined }])).message).toContain('200 characters');
      // A form body is not JSON either.
      const form = await call(sim, path, {
        method: 'POST',
        headers: bearer(token),
        body: new URLSearchParams({ id: 'v2.users.a.presence' }),
      });
      expect(form.status).toBe(400);
      // Nothing above changed the channel.
      expect(json(await call(sim, path, { headers: bearer(token) }))).toEqual({ entities: [] });
      const ok = await put(path, [{ id: 'v2.users.a?presence&routingStatus' }], token);
      expect(ok.status).toBe(200);
      expect(rejections()).toEqual({ bad_body: 5, bad_topic: 5 });
    });

    it('answers 429 with Retry-After once the client spent its API limit', async () => {
      const token = await start({ rateLimitPerMinute: 1 });
      await createChannel(token);
      const limited = await call(sim, CHANNELS, { headers: bearer(token) });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(json(limited)).toMatchObject({ status: 429, code: 'too.many.requests' });
      expect(sim.truth().endpoints.genesys_channels.rate_limited).toBe(1);
    });

    it('counts a subscription over the topic limit as too_many_topics', async () => {
      const token = await start();
      const channel = await createChannel(token);
      const topics = Array.from({ length: 1001 }, (_, i) => ({ id: `v2.users.u${i}.presence` }));
      expect((await put(subscriptions(channel), topics, token)).status).toBe(400);
      expect(rejections()).toEqual({ too_many_topics: 1 });
    });

    it('extends the channel life on every resubscription', async () => {
      const token = await start({ channelTtlSeconds: 0.8 });
      const channel = await createChannel(token);
      const socket = await connect(channel);
      const topic = [{ id: 'v2.users.a.presence' }];
      const firstExpiry = Date.parse(channel.expires);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await put(subscriptions(channel), topic, token)).status).toBe(200);
      const listed = json(await call(sim, CHANNELS, { headers: bearer(token) }));
      const [entity] = listed.entities as ChannelAnswer[];
      expect(Date.parse(entity?.expires ?? '')).toBeGreaterThanOrEqual(firstExpiry + 400);
      // Past the first expiry the channel and its socket are still alive.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, firstExpiry + 100 - Date.now())),
      );
      expect((await head(channel.id, token)).status).toBe(200);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      // A WebSocket subscribe extends it too.
      socket.ws.send(JSON.stringify({ message: 'subscribe', topics: ['v2.users.b.presence'] }));
      await socket.next((text) => text.includes('"subscribed"'));
      expect((await socket.closed).code).toBe(1001);
      expect(sim.truth().ws_endpoints.genesys_notifications.channels_expired).toBe(1);
    });

    it('closes a channel with 1001 when the token that created it expires', async () => {
      const token = await start({ tokenTtlSeconds: 1, channelTtlSeconds: 3600 });
      const channel = await createChannel(token);
      const socket = await connect(channel);
      const closed = await socket.closed;
      expect(closed.code).toBe(1001);
      expect(closed.reason).toBe('token expired');
      const truth = sim.truth().ws_endpoints.genesys_notifications;
      expect(truth.channels_token_expired).toBe(1);
      expect(truth.channels_expired).toBe(0);
      const fresh = await genesysToken(sim);
      expect((await head(channel.id, fresh)).status).toBe(404);
      expect(await refusedStatus(sim, new URL(channel.connectUri).pathname)).toBe(404);
    });

    it('answers a WebSocket subscribe with a malformed topic {"result":"400"}', async () => {
      const token = await start();
      const socket = await connect(await createChannel(token));
      socket.ws.send(
        JSON.stringify({ message: 'subscribe', topics: ['not a topic'], correlationId: 'c9' }),
      );
      expect(JSON.parse(await socket.next((text) => text.includes('"result"')))).toEqual({
        result: '400',
        status: 'failure',
        correlationId: 'c9',
      });
      expect(sim.truth().ws_endpoints.genesys_notifications).toMatchObject({
        bad_messages: 1,
        subscriptions: 0,
      });
    });
  });
});
