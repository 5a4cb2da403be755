import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import {
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import { parseSamples, sampleValue, sumOf } from '../support/exposition.ts';
import { eventually } from '../support/wait.ts';

const GENESYS_SECRET =
  DEFAULT_SIMULATOR_CLIENTS.find((client) => client.platform === 'genesys')?.clientSecret ?? '';

/**
 * The acceptance test: drive a fault schedule through the simulator and check that the
 * exporter counted, class by class, exactly what the simulator injected — none lost, none doubled.
 */
describe('WebSocket close accounting against the simulator ground truth', () => {
  let simulator: RunningSimulator;
  let exporter: RunningExporter;
  let base: string;
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  const value = async (name: string, labels: Record<string, string>) =>
    sampleValue(await metrics(), name, labels) ?? 0;
  /** Sum over every series matching the labels (a class spans several close codes). */
  const total = async (name: string, labels: Record<string, string>) =>
    sumOf(parseSamples(await metrics()), name, labels);

  beforeAll(async () => {
    simulator = await startSimulator({ heartbeatIntervalMs: 300 });
    const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-ws-accounting-'));
    const configFile = path.join(dir, 'cxprobe.yml');
    await writeFile(
      configFile,
      `
credentials:
  genesys:
    type: genesys
    login_url: ${simulator.url}
    api_url: ${simulator.url}
    client_id: cxprobe-demo
    client_secret: ${GENESYS_SECRET}
targets:
  - name: echo
    kind: websocket
    url: ${simulator.url.replace('http', 'ws')}/ws/echo
    timeout: 2s
    ping: { interval: 100ms, timeout: 400ms }
    reconnect: { initial: 50ms, max: 200ms, stable_after: 1m }
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    topics: [v2.users.test.presence]
    ping: { interval: 200ms, timeout: 1s }
    heartbeat_interval: 300ms
    reconnect: { initial: 50ms, max: 200ms, stable_after: 1m }
`,
    );
    exporter = await startExporter({
      configFile,
      listenAddress: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
    });
    base = `http://127.0.0.1:${exporter.address.port}`;
    await eventually(
      async () =>
        (await value('cxprobe_ws_connected', { target: 'echo' })) === 1 &&
        (await value('cxprobe_ws_connected', { target: 'notifications' })) === 1,
      10_000,
      'both sessions up',
    );
  });

  afterAll(async () => {
    await exporter.stop();
    await simulator.close();
  });

  /** Applies an action, then waits until the exporter counted one more close of that class. */
  async function inject(
    endpoint: 'ws_echo' | 'genesys_notifications',
    action: 'drop' | 'stall' | 'maintenance',
    target: string,
    reason: string,
  ): Promise<void> {
    const closes = () => total('cxprobe_ws_closes_total', { target, reason });
    const before = await closes();
    expect(simulator.wsAction(endpoint, action)).toBe(1);
    await eventually(async () => (await closes()) === before + 1, 10_000, `${action} counted`);
    await eventually(
      async () => (await value('cxprobe_ws_connected', { target })) === 1,
      10_000,
      `${target} back up`,
    );
  }

  it('counts N drops, M stalls, K maintenance closes and refused reconnects exactly', async () => {
    const drops = 3;
    const stalls = 2;
    const maintenances = 2;
    for (let index = 0; index < drops - 1; index++) {
      await inject('ws_echo', 'drop', 'echo', 'abnormal_closure');
    }
    // The last drop's reconnects are refused twice with 401 before one gets through.
    simulator.setFaults({
      ws_endpoints: { ws_echo: { refuse_handshakes: { status: 401, count: 2 } } },
    });
    await inject('ws_echo', 'drop', 'echo', 'abnormal_closure');
    for (let index = 0; index < stalls; index++) {
      await inject('ws_echo', 'stall', 'echo', 'ping_timeout');
    }
    for (let index = 0; index < maintenances; index++) {
      await inject('genesys_notifications', 'maintenance', 'notifications', 'planned');
    }

    const truth = simulator.truth().ws_endpoints;
    const text = await metrics();
    const closes = (labels: Record<string, string>) =>
      sumOf(parseSamples(text), 'cxprobe_ws_closes_total', labels);

    expect(truth.ws_echo.injected.drop).toBe(drops);
    expect(
      closes({ target: 'echo', code: '1006', reason: 'abnormal_closure', abnormal: 'true' }),
    ).toBe(drops);
    expect(truth.ws_echo.injected.stall).toBe(stalls);
    expect(closes({ target: 'echo', reason: 'ping_timeout', abnormal: 'true' })).toBe(stalls);
    expect(truth.genesys_notifications.injected.maintenance).toBe(maintenances);
    expect(closes({ target: 'notifications', reason: 'planned', abnormal: 'false' })).toBe(
      maintenances,
    );
    // Nothing else closed: no close was lost, none was counted twice or in the wrong class.
    expect(closes({ target: 'echo' })).toBe(drops + stalls);
    expect(closes({ target: 'notifications' })).toBe(maintenances);
    expect(closes({ abnormal: 'true', target: 'notifications' })).toBe(0);

    expect(truth.ws_echo.handshakes.refused['401']).toBe(2);
    expect(
      sampleValue(text, 'cxprobe_ws_connect_failures_total', { target: 'echo', status: '401' }),
    ).toBe(2);
    expect(
      sampleValue(text, 'cxprobe_ws_reconnects_total', {
        target: 'echo',
        reason: 'handshake_failed',
      }),
    ).toBe(2);
    expect(
      sampleValue(text, 'cxprobe_ws_reconnects_total', {
        target: 'echo',
        reason: 'abnormal_closure',
      }),
    ).toBe(drops);
    expect(
      sampleValue(text, 'cxprobe_ws_reconnects_total', { target: 'echo', reason: 'ping_timeout' }),
    ).toBe(stalls);
    expect(
      sampleValue(text, 'cxprobe_ws_reconnects_total', {
        target: 'notifications',
        reason: 'planned',
      }),
    ).toBe(maintenances);
    expect(
      sampleValue(text, 'cxprobe_ws_ping_rtt_seconds_count', { target: 'echo', layer: 'control' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'cxprobe_ws_ping_rtt_seconds_count', {
        target: 'notifications',
        layer: 'application',
      }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'cxprobe_ws_heartbeat_gap_seconds_count', { target: 'notifications' }),
    ).toBeGreaterThan(0);
  }, 90_000);

  it('shows each session live on the landing page', async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('connected');
    expect(page).toMatch(
      /last close 1006 abnormal_closure \(abnormal\)|last close 1006 ping_timeout \(abnormal\)/,
    );
  });
});
