import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
  type WsEndpointTruth,
} from '../../src/simulator/index.ts';
import {
  recordingEvents,
  startSessionTarget,
  type RecordedEvents,
} from '../support/session-events.ts';
import { configFrom, depsFor } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';
import { GENESYS } from '../support/simulator-credentials.ts';

const KEY = 'genesys_notifications';

/** A genesys-notifications target whose login, API and channels are all on the simulator. */
function notificationsYaml(origin: string, extra = ''): string {
  return `
credentials:
  genesys:
    type: genesys
    login_url: ${origin}
    api_url: ${origin}
    client_id: ${GENESYS.clientId}
    client_secret: ${GENESYS.clientSecret}
targets:
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    topics: [v2.users.probe-user.presence]
    heartbeat_interval: 200ms
    ping: { interval: 100ms, timeout: 1s }
${extra}`;
}

const closes = (recorder: RecordedEvents): SessionEnd[] =>
  recorder.of('closed').map(([end]) => end as SessionEnd);

const until = (check: () => boolean, what: string, timeoutMs = 5_000): Promise<true> =>
  eventually(() => Promise.resolve(check() || undefined), timeoutMs, what);

describe('kind: genesys-notifications against the simulator', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const sim = await startSimulator({ port: 0, heartbeatIntervalMs: 200, ...options });
    cleanups.push(() => sim.close());
    return sim;
  }

  async function start(
    sim: RunningSimulator,
    extra = '',
  ): Promise<{ recorder: RecordedEvents; runner: SessionRunner }> {
    const yaml = notificationsYaml(sim.url, extra);
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    return { recorder, runner };
  }

  const truth = (sim: RunningSimulator): WsEndpointTruth => sim.truth().ws_endpoints[KEY];

  it('creates a channel, connects, subscribes and reports protocol_open', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    const [phases] = recorder.of('connected')[0] as [Record<string, number>];
    expect(Object.keys(phases)).toEqual(
      expect.arrayContaining(['tcp', 'upgrade', 'protocol_open']),
    );
    expect(phases.protocol_open).toBeGreaterThan(0);
    expect(recorder.of('health')[0]).toEqual([true, 'connected']);
    expect(truth(sim)).toMatchObject({ channels_created: 1, subscriptions: 1, sessions_open: 1 });
    expect(recorder.of('connect_failed')).toEqual([]);
    expect(recorder.of('closed')).toEqual([]);
  });

  it('times {"message":"ping"} round trips no shorter than the injected pong delay', async () => {
    const sim = await simulator({
      faults: { ws_endpoints: { genesys_notifications: { pong_delay: { fixed_ms: 50 } } } },
    });
    const { recorder } = await start(sim);
    await until(() => recorder.of('ping').length >= 3, 'three application pongs');
    for (const [layer, rtt] of recorder.of('ping')) {
      expect(layer).toBe('application');
      expect(rtt).toBeGreaterThanOrEqual(0.049);
    }
    expect(truth(sim).pong_delay_ms.application.min).toBe(50);
    expect(recorder.of('ping_lost')).toEqual([]);
  });

  it('reports the gaps between server heartbeats', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('heartbeat').length >= 4, 'four heartbeats');
    // The first gap runs from the subscription, not from the previous heartbeat.
    const gaps = recorder
      .of('heartbeat')
      .slice(1)
      .map(([gap]) => gap as number);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(0.15);
      expect(gap).toBeLessThan(0.4);
    }
    expect(recorder.of('heartbeat_missed')).toEqual([]);
    expect(recorder.of('closed')).toEqual([]);
  });

  it('ends a stalled session abnormally (missed heartbeats or ping timeout) and reconnects', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    expect(sim.wsAction(KEY, 'stall')).toBe(1);
    await until(() => recorder.of('connected').length >= 2, 'reconnect after the stall');
    const [end] = closes(recorder);
    expect(['heartbeat_missed', 'ping_timeout']).toContain(end?.reason);
    expect(end).toMatchObject({ code: 1006, abnormal: true });
    if (end?.reason === 'heartbeat_missed') {
      expect(recorder.of('heartbeat_missed').length).toBeGreaterThanOrEqual(1);
    } else {
      expect(recorder.of('ping_lost')).toEqual([['application']]);
    }
    expect(recorder.of('reconnecting')[0]?.[0]).toBe(end?.reason);
    expect(truth(sim).injected.stall).toBe(1);
  });

  it('treats v2.system.socket_closing as a planned close and reconnects without back-off', async () => {
    const sim = await simulator({
      faults: { ws_endpoints: { genesys_notifications: { maintenance_grace_ms: 5_000 } } },
    });
    const { recorder } = await start(sim);
    for (let round = 1; round <= 2; round++) {
      await until(
        () => recorder.of('connected').length >= round && sim.sessions(KEY) === 1,
        `session ${round}`,
      );
      expect(sim.wsAction(KEY, 'maintenance')).toBe(1);
      await until(() => recorder.of('connected').length >= round + 1, `reconnect ${round}`);
    }
    const ends = closes(recorder);
    for (const end of ends) {
      expect(end).toMatchObject({ reason: 'planned', abnormal: false, immediate: true });
    }
    for (const [reason, delay] of recorder.of('reconnecting')) {
      expect(reason).toBe('planned');
      expect(delay).toBeLessThan(0.25);
    }
    expect(ends).toHaveLength(truth(sim).injected.maintenance);
    expect(ends).toHaveLength(2);
  });

  it('counts a TCP drop as abnormal_closure 1006 and reconnects', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    expect(sim.wsAction(KEY, 'drop')).toBe(1);
    await until(() => recorder.of('connected').length >= 2, 'reconnect after the drop');
    expect(closes(recorder)[0]).toMatchObject({
      code: 1006,
      reason: 'abnormal_closure',
      abnormal: true,
    });
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('abnormal_closure');
  });

  it('subscribes over REST by default (PUT …/subscriptions), as the official SDKs do', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    // One create and one PUT, both answered 200; nothing was subscribed over the socket.
    expect(sim.truth().endpoints.genesys_channels.responses).toEqual({ 200: 2 });
    expect(truth(sim)).toMatchObject({ subscriptions: 1, bad_messages: 0 });
    expect(truth(sim).rest_rejections).toEqual({});
  });

  it('subscribes over the socket with subscribe_via: websocket', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, '    subscribe_via: websocket');
    await until(() => recorder.of('connected').length >= 1, 'connected');
    expect(sim.truth().endpoints.genesys_channels.responses).toEqual({ 200: 1 });
    expect(truth(sim)).toMatchObject({ subscriptions: 1, bad_messages: 0 });
  });

  it('fails the connect when the REST subscription is refused', async () => {
    const sim = await simulator();
    const yaml = notificationsYaml(sim.url).replace(
      'topics: [v2.users.probe-user.presence]',
      'topics: ["not a topic"]',
    );
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    await until(() => recorder.of('connect_failed').length >= 1, 'connect failure');
    expect(recorder.of('connect_failed')[0]?.slice(0, 2)).toEqual(['unexpected_status', 400]);
    expect(recorder.of('connected')).toEqual([]);
    expect(truth(sim).rest_rejections?.bad_topic).toBeGreaterThanOrEqual(1);
  });

  it('fails the connect when the socket closes while the REST subscribe is in flight', async () => {
    const sim = await simulator({
      faults: { endpoints: { genesys_channels: { latency: { fixed_ms: 600 } } } },
    });
    const { recorder } = await start(sim);
    // The channel was created (one slow answer) and the socket is open: the PUT is pending.
    await until(() => sim.sessions(KEY) === 1, 'socket open, REST subscribe pending');
    expect(sim.wsAction(KEY, 'close_1011')).toBe(1);
    await until(() => recorder.of('connect_failed').length >= 1, 'connect failure');
    const [reason, , message] = recorder.of('connect_failed')[0] ?? [];
    expect(reason).toBe('connection_reset');
    expect(message).toContain('REST subscribe');
    expect(recorder.of('connected')).toEqual([]);
  });

  it('rolls the channel over before the expires the API returned, as a planned close', async () => {
    const sim = await simulator({ channelTtlSeconds: 1 });
    // A one-hour margin is capped at a tenth of this one-second lifetime: rollover at ~0.9 s.
    const { recorder } = await start(sim);
    await until(
      () => recorder.of('connected').length >= 2 && (truth(sim).channels_created ?? 0) >= 2,
      'a session on a new channel',
    );
    const [end] = closes(recorder);
    expect(end).toMatchObject({ code: 1000, reason: 'rollover', abnormal: false, immediate: true });
    expect(end?.message).toContain('expires');
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('rollover');
    expect(recorder.of('reconnecting')[0]?.[1]).toBeLessThan(0.25);
    // The prober closed the old channel's socket itself, before the server expired it.
    expect(truth(sim).closes.client_closed).toMatchObject({ 1000: 1 });
    expect(truth(sim).closes.server_closed).toEqual({});
    expect(recorder.of('connect_failed')).toEqual([]);
  });

  it('uses rollover_before_expiry as the margin before expires', async () => {
    const sim = await simulator({ channelTtlSeconds: 3 });
    const started = Date.now();
    const { recorder } = await start(sim, '    rollover_before_expiry: 2500ms');
    await until(() => closes(recorder).length >= 1, 'a rollover');
    // Margin capped at 10 % of 3 s: rollover at ~2.7 s, not at 0.5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect(closes(recorder)[0]?.reason).toBe('rollover');
  });

  it('treats the close of a channel whose token expired as a planned reconnect', async () => {
    const sim = await simulator({ tokenTtlSeconds: 1 });
    const { recorder } = await start(sim);
    await until(
      () => recorder.of('connected').length >= 2 && (truth(sim).channels_created ?? 0) >= 2,
      'a session on a new channel',
    );
    const [end] = closes(recorder);
    expect(end).toMatchObject({
      code: 1001,
      reason: 'token_expired',
      abnormal: false,
      immediate: true,
    });
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('token_expired');
    expect(recorder.of('reconnecting')[0]?.[1]).toBeLessThan(0.25);
    expect(truth(sim).channels_token_expired).toBeGreaterThanOrEqual(1);
    expect(recorder.of('connect_failed')).toEqual([]);
  });

  it('counts an unannounced 1001 (channel evicted) as abnormal and creates a new channel', async () => {
    const sim = await simulator({ maxChannelsPerClient: 1 });
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    // With a limit of one channel per client, another channel evicts the prober's.
    const login = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${GENESYS.clientId}:${GENESYS.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    await fetch(`${sim.url}/api/v2/notifications/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    await until(() => recorder.of('connected').length >= 2, 'a session on a new channel');
    expect(truth(sim).channels_evicted).toBeGreaterThanOrEqual(1);
    expect(closes(recorder)[0]).toMatchObject({
      code: 1001,
      reason: 'server_close',
      abnormal: true,
    });
    // Before reusing the channel the prober asks HEAD, which answers 404: it creates a new
    // channel at once instead of knocking on the dead one.
    expect(recorder.of('connect_failed')).toEqual([]);
    expect(truth(sim).rest_rejections).toMatchObject({ unknown_channel: 1 });
    expect(truth(sim).handshakes.refused).toEqual({});
  });

  it('reuses its channel after a drop when HEAD says it still exists', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    expect(sim.wsAction(KEY, 'drop')).toBe(1);
    await until(() => recorder.of('connected').length >= 2, 'reconnect after the drop');
    expect(truth(sim).channels_created).toBe(1);
    // Create, PUT; then HEAD and PUT again on the same channel.
    expect(sim.truth().endpoints.genesys_channels.responses).toEqual({ 200: 4 });
  });

  it('reports auth_failed when no token can be had', async () => {
    const sim = await simulator({ faults: { endpoints: { genesys_oauth: { error_rate: 1 } } } });
    const { recorder } = await start(sim);
    await until(() => recorder.of('connect_failed').length >= 2, 'two failed connects');
    for (const [reason] of recorder.of('connect_failed')) expect(reason).toBe('auth_failed');
    for (const [reason] of recorder.of('reconnecting')) expect(reason).toBe('handshake_failed');
    expect(recorder.of('connected')).toEqual([]);
    expect(truth(sim).channels_created).toBe(0);
  });

  it('reports a refused upgrade with its status, then connects', async () => {
    const sim = await simulator({
      faults: {
        ws_endpoints: { genesys_notifications: { refuse_handshakes: { status: 401, count: 1 } } },
      },
    });
    const { recorder } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected after the refusal');
    expect(recorder.of('connect_failed')).toHaveLength(1);
    const [reason, status, message] = recorder.of('connect_failed')[0] ?? [];
    expect(['unauthorized', 'unexpected_status']).toContain(reason);
    expect(status).toBe(401);
    expect(message).toContain('401');
    expect(truth(sim).handshakes.refused).toEqual({ 401: 1 });
  });

  it('fails the connect at once when the socket closes before the subscribe answer', async () => {
    const sim = await simulator({
      faults: { ws_endpoints: { genesys_notifications: { latency: { fixed_ms: 1_500 } } } },
    });
    const { recorder } = await start(sim, '    subscribe_via: websocket');
    await until(() => sim.sessions(KEY) === 1, 'socket open, subscribe pending');
    expect(sim.wsAction(KEY, 'close_1011')).toBe(1);
    await until(() => recorder.of('connect_failed').length >= 1, 'connect failure');
    const [reason, status, message] = recorder.of('connect_failed')[0] ?? [];
    expect(reason).toBe('connection_reset');
    expect(status).toBeUndefined();
    expect(message).toContain('1011');
    expect(recorder.of('connected')).toEqual([]);
  });

  it('keeps reconnecting without piling up listeners on the runner signal', async () => {
    // Channels of 0.1 s roll over every ~90 ms.
    const sim = await simulator({ channelTtlSeconds: 0.1 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    cleanups.push(() => {
      process.off('warning', onWarning);
      return Promise.resolve();
    });
    const { recorder } = await start(sim, '    subscribe_via: websocket');
    await until(() => recorder.of('connected').length >= 12, 'twelve sessions', 9_000);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });

  it('closes as shutdown on stop and does not reconnect', async () => {
    const sim = await simulator();
    const { recorder, runner } = await start(sim);
    await until(() => recorder.of('connected').length >= 1, 'connected');
    await runner.stop();
    expect(closes(recorder)).toEqual([expect.objectContaining({ reason: 'shutdown' })]);
    expect(closes(recorder)[0]?.abnormal).toBe(false);
    expect(recorder.of('reconnecting')).toEqual([]);
    await until(() => sim.sessions(KEY) === 0, 'server sees the close', 2_000);
    expect(truth(sim).closes.client_closed).toEqual({ 1001: 1 });
  });
});
