/**
 * Genesys's own JavaScript SDK (`purecloud-platform-client-v2`) as the peer of the simulator's
 * Genesys login, REST and Notifications endpoints (docs/protocols.md §1, §2 and §10.1–§10.2).
 *
 * The SDK reaches the loopback simulator through its documented gateway setting:
 * `ApiClient.setGateway({host, protocol: 'http', port})` makes both its login base URL and its
 * API base URL `http://127.0.0.1:<port>` (`Configuration.getConfUrl`), so every request below is
 * the SDK's own, byte for byte.
 *
 * The JavaScript SDK has no notification handler (unlike the Java and .NET SDKs, whose
 * `NotificationHandler` creates a channel, subscribes over REST and opens a WebSocket to the
 * channel's `connectUri`). Its WebSocket usage is therefore what Genesys documents and those
 * handlers do: a plain WebSocket to the bare `connectUri` (no auth header: the channel id is the
 * credential), `{"message":"ping"}` health checks and `v2.system.socket_closing` handling. That
 * part uses `ws`, the library cxprobe itself uses.
 */
import platformClient from 'purecloud-platform-client-v2';
import { GENESYS_REGIONS } from '../../src/config/genesys-regions.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/simulator/index.ts';
import { GENESYS } from '../support/simulator-credentials.ts';

const { clientId, clientSecret } = GENESYS;

/** What the SDK resolves and rejects with once `setReturnExtendedResponses(true)` is set. */
interface Extended<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

const TOPIC = 'v2.users.0b6a1d9c-5a4f-4c0e-9e6e-6f0f3b7c2a11.presence';

/** The SDK's answer with `setReturnExtendedResponses(true)`; its typings do not know that mode. */
async function extended<T = unknown>(promise: Promise<unknown>): Promise<Extended<T>> {
  return (await promise) as Extended<T>;
}

/** The SDK's rejection: its extended error object, or whatever it threw. */
async function rejection(promise: Promise<unknown>): Promise<Extended<Record<string, unknown>>> {
  try {
    await promise;
  } catch (error) {
    return error as Extended<Record<string, unknown>>;
  }
  throw new Error('expected the SDK call to be rejected');
}

describe('purecloud-platform-client-v2 region hosts', () => {
  it('are the regions cxprobe knows (region: in a genesys credential)', () => {
    expect(GENESYS_REGIONS).toEqual(platformClient.PureCloudRegionHosts);
  });
});

describe('purecloud-platform-client-v2 against the simulator', () => {
  let sim: RunningSimulator;
  const client = platformClient.ApiClient.instance;
  const sockets: WebSocket[] = [];

  const start = async (options: SimulatorOptions = {}): Promise<void> => {
    sim = await startSimulator({ port: 0, ...options });
    client.setGateway({ host: '127.0.0.1', protocol: 'http', port: sim.port });
    client.setReturnExtendedResponses(true);
  };
  const notifications = () => new platformClient.NotificationsApi();
  const genesysTruth = () => sim.truth().ws_endpoints.genesys_notifications;

  beforeEach(() => {
    client.setAccessToken('');
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await sim.close();
  });

  it('logs in with client credentials (Basic auth, form grant) and tests the token with tokens/me', async () => {
    await start();
    const auth = await client.loginClientCredentialsGrant(clientId, clientSecret);
    expect(auth.accessToken).toMatch(/^[\w-]{20,}$/);
    // The SDK sets the expiry from expires_in: the simulator's default 86,400 s.
    expect(auth.tokenExpiryTime - Date.now()).toBeGreaterThan(86_300_000);
    expect(sim.truth().endpoints.genesys_oauth).toMatchObject({
      tokens_issued: 1,
      responses: { 200: 1 },
    });

    const me = await extended<{
      OAuthClient?: { id?: string };
      organization?: { id?: string };
    }>(new platformClient.TokensApi().getTokensMe());
    expect(me.status).toBe(200);
    expect(me.body.OAuthClient?.id).toBe(clientId);
    expect(me.body.organization?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(me.headers['inin-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gets 401 invalid_client for a wrong secret, and 401 from the API for a bogus token', async () => {
    await start();
    const refused = (await rejection(
      client.loginClientCredentialsGrant(clientId, 'wrong-secret'),
    )) as unknown as { response?: { status?: number; data?: unknown } };
    expect(refused.response?.status).toBe(401);
    expect(refused.response?.data).toMatchObject({ error: 'invalid_client' });

    client.setAccessToken('not-a-token');
    const me = await rejection(new platformClient.TokensApi().getTokensMe());
    expect(me.status).toBe(401);
    expect(me.body).toMatchObject({ status: 401, code: 'bad.credentials' });
    const channel = await rejection(notifications().postNotificationsChannels());
    expect(channel.status).toBe(401);
    expect(genesysTruth().rest_rejections).toEqual({ invalid_bearer: 1 });
  });

  it('sees 429 with Retry-After once the per-client API limit is spent', async () => {
    await start({ rateLimitPerMinute: 2 });
    await client.loginClientCredentialsGrant(clientId, clientSecret);
    const tokens = new platformClient.TokensApi();
    await tokens.getTokensMe();
    await tokens.getTokensMe();
    const limited = await rejection(tokens.getTokensMe());
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ status: 429, code: 'too.many.requests' });
    expect(sim.truth().endpoints.genesys_tokens_me.rate_limited).toBe(1);
  });

  it('creates, lists, checks and subscribes a notification channel through the NotificationsApi', async () => {
    await start();
    await client.loginClientCredentialsGrant(clientId, clientSecret);
    const api = notifications();

    const created = await extended<{
      connectUri: string;
      id: string;
      expires: string;
    }>(api.postNotificationsChannels());
    expect(created.status).toBe(200);
    const channel = created.body;
    expect(channel.id).toMatch(/^streaming-0-[a-z0-9]+$/);
    expect(channel.connectUri).toBe(`ws://127.0.0.1:${sim.port}/channels/${channel.id}`);
    expect(Date.parse(channel.expires)).toBeGreaterThan(Date.now());

    const listed = await extended<{
      entities: unknown[];
    }>(api.getNotificationsChannels());
    expect(listed.body.entities).toEqual([channel]);
    const everyToken = await extended<{ entities: unknown[] }>(
      api.getNotificationsChannels({
        includechannels: 'oauthclient',
      }),
    );
    expect(everyToken.body.entities).toEqual([channel]);

    const head = await extended(api.headNotificationsChannel(channel.id));
    expect(head.status).toBe(200);

    const put = await extended<{ entities: { id: string }[] }>(
      api.putNotificationsChannelSubscriptions(channel.id, [{ id: TOPIC }]),
    );
    expect(put.body.entities).toEqual([{ id: TOPIC }]);
    const combined = 'v2.users.0b6a1d9c-5a4f-4c0e-9e6e-6f0f3b7c2a11?routingStatus&station';
    const post = await extended<{ entities: { id: string }[] }>(
      api.postNotificationsChannelSubscriptions(channel.id, [{ id: combined }]),
    );
    expect(post.body.entities).toEqual([{ id: TOPIC }, { id: combined }]);
    const got = await extended<{ entities: { id: string }[] }>(
      api.getNotificationsChannelSubscriptions(channel.id),
    );
    expect(got.body.entities).toHaveLength(2);
    const deleted = await extended(api.deleteNotificationsChannelSubscriptions(channel.id));
    expect(deleted.status).toBe(200);
    expect(genesysTruth()).toMatchObject({ channels_created: 1, subscriptions: 2 });
    expect(genesysTruth().rest_rejections).toEqual({});
  });

  it('is refused what Genesys refuses: unknown channels, bad topics, bad bodies', async () => {
    await start();
    await client.loginClientCredentialsGrant(clientId, clientSecret);
    const api = notifications();
    const gone = await rejection(api.headNotificationsChannel('streaming-0-doesnotexist'));
    expect(gone.status).toBe(404);
    const { body: channel } = await extended<{
      id: string;
    }>(api.postNotificationsChannels());
    const badTopic = await rejection(
      api.putNotificationsChannelSubscriptions(channel.id, [{ id: 'presence of everyone' }]),
    );
    expect(badTopic.status).toBe(400);
    expect(badTopic.body).toMatchObject({ status: 400, code: 'bad.request' });
    // The SDK sends whatever body it is given: an object where Genesys wants an array.
    const badBody = await rejection(
      api.postNotificationsChannelSubscriptions(channel.id, { id: TOPIC } as never),
    );
    expect(badBody.status).toBe(400);
    expect(genesysTruth().rest_rejections).toEqual({
      unknown_channel: 1,
      bad_topic: 1,
      bad_body: 1,
    });
  });

  it('connects to connectUri as Genesys documents: heartbeats, {"message":"ping"}, socket_closing', async () => {
    await start({ heartbeatIntervalMs: 100 });
    await client.loginClientCredentialsGrant(clientId, clientSecret);
    const api = notifications();
    const { body: channel } = await extended<{
      id: string;
      connectUri: string;
    }>(api.postNotificationsChannels());
    await api.putNotificationsChannelSubscriptions(channel.id, [{ id: TOPIC }]);

    // The bare URI, no Authorization header: the channel id is the credential.
    const socket = new WebSocket(channel.connectUri);
    sockets.push(socket);
    const frames: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    socket.on('message', (data: Buffer) => {
      frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      for (const wake of waiters.splice(0)) wake();
    });
    const frame = async (match: (f: Record<string, unknown>) => boolean) => {
      for (;;) {
        const found = frames.find(match);
        if (found !== undefined) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const bodyMessage = (f: Record<string, unknown>) =>
      (f.eventBody as { message?: unknown } | undefined)?.message;
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });

    expect(
      await frame(
        (f) => f.topicName === 'channel.metadata' && bodyMessage(f) === 'WebSocket Heartbeat',
      ),
    ).toEqual({ topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } });
    socket.send(JSON.stringify({ message: 'ping' }));
    expect(await frame((f) => bodyMessage(f) === 'pong')).toEqual({
      topicName: 'channel.metadata',
      eventBody: { message: 'pong' },
    });

    sim.setFaults({ ws_endpoints: { genesys_notifications: { maintenance_grace_ms: 100 } } });
    expect(sim.wsAction('genesys_notifications', 'maintenance')).toBe(1);
    expect(await frame((f) => f.topicName === 'v2.system.socket_closing')).toMatchObject({
      topicName: 'v2.system.socket_closing',
    });
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(code).toBe(1001);
    // The channel outlives its socket: the SDK's HEAD still finds it.
    expect((await extended(api.headNotificationsChannel(channel.id))).status).toBe(200);
  });
});
