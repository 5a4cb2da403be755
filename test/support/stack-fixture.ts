import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { stringify } from 'yaml';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import { AUDIOHOOK_API_KEY, AUDIOHOOK_CLIENT_SECRET } from './simulator-credentials.ts';

/**
 * What the exporter probes in the stack test. Faults are per endpoint of a simulator, so every
 * scenario gets a simulator of its own: a fault injected for one scenario cannot touch the
 * targets of another, and the `steady` simulator keeps every kind healthy throughout (data for
 * the dashboards, and the baseline).
 */
export const SIMULATORS = [
  'steady',
  'token',
  'drops',
  'rtt',
  'storm',
  'heartbeat',
  'jitter',
  'mos',
  'bot',
  'ratelimit',
] as const;
export type SimulatorName = (typeof SIMULATORS)[number];

const secretOf = (platform: 'genesys' | 'cxone') =>
  DEFAULT_SIMULATOR_CLIENTS.find((client) => client.platform === platform)?.clientSecret ?? '';

/** Heartbeat period of the simulated Genesys Notifications channels, ms. */
const HEARTBEAT_MS = 2_000;

export async function startSimulators(): Promise<Record<SimulatorName, RunningSimulator>> {
  const entries = await Promise.all(
    SIMULATORS.map(
      async (name) =>
        [
          name,
          await startSimulator({
            heartbeatIntervalMs: HEARTBEAT_MS,
            // One-minute tokens refreshed 50 s early (as in the demo): a refresh every 10 s, so
            // a broken token endpoint shows within seconds, and a healthy credential always
            // holds a token with more than the alert's 30 s left.
            tokenTtlSeconds: 60,
            // Engine.IO pings at a test pace rather than every 25 s.
            socketIoPingIntervalMs: 2_000,
            socketIoPingTimeoutMs: 2_000,
          }),
        ] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<SimulatorName, RunningSimulator>;
}

/** An HTTPS server whose certificate can be swapped at run time (each probe connects afresh). */
export interface CertServer {
  url: string;
  /** Serves the certificate valid for `days` days (one made at start-up). */
  useCertificate(days: number): void;
  close(): Promise<void>;
}

async function certificate(days: number) {
  const notBefore = new Date(Date.now() - 86_400_000);
  return generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    // Whole seconds: certificates carry no sub-second part.
    notAfterDate: new Date(Math.floor(Date.now() / 1000) * 1000 + days * 86_400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
}

/** Long enough that no certificate alert fires for it. */
export const HEALTHY_CERT_DAYS = 365;

/**
 * Starts an HTTPS server with a certificate valid for {@link HEALTHY_CERT_DAYS}, after making
 * one for each of `days` up front (key generation is CPU work, best done before the probes run).
 */
export async function startCertServer(days: readonly number[]): Promise<CertServer> {
  const pems = new Map(
    await Promise.all(
      [HEALTHY_CERT_DAYS, ...days].map(async (valid) => [valid, await certificate(valid)] as const),
    ),
  );
  const pick = (valid: number) => {
    const pem = pems.get(valid);
    if (pem === undefined) throw new Error(`no certificate of ${valid} days was made up front`);
    return { key: pem.private, cert: pem.cert };
  };
  const server: Server = createServer(pick(HEALTHY_CERT_DAYS), (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/status`,
    useCertificate(valid) {
      server.setSecureContext(pick(valid));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

const ws = (sim: RunningSimulator) => sim.url.replace(/^http/, 'ws');

/** Short reconnect back-off, so sessions come back within a second or two. */
const RECONNECT = { initial: '200ms', max: '1s', stable_after: '5s' };

/**
 * The exporter config: every kind, against the simulators and the HTTPS server, at a test pace
 * (probes every second or two, sessions pinging every 500 ms).
 */
export function exporterConfig(
  sims: Record<SimulatorName, RunningSimulator>,
  certServer: CertServer,
): string {
  const credentials: Record<string, unknown> = {};
  const genesysCredential = (name: SimulatorName) => {
    const credential = `genesys-${name}`;
    credentials[credential] = {
      type: 'genesys',
      login_url: sims[name].url,
      api_url: sims[name].url,
      client_id: 'cxprobe-demo',
      client_secret: secretOf('genesys'),
      refresh_before: '50s',
    };
    return credential;
  };
  const echo = (name: string, sim: SimulatorName) => ({
    name,
    kind: 'websocket',
    url: `${ws(sims[sim])}/ws/echo`,
    timeout: '2s',
    ping: { interval: '500ms', timeout: '1s' },
    reconnect: RECONNECT,
  });
  const audiohook = (name: string, sim: SimulatorName) => ({
    name,
    kind: 'audiohook',
    url: `${ws(sims[sim])}/api/v1/audioconnector/ws`,
    api_key: AUDIOHOOK_API_KEY,
    client_secret: AUDIOHOOK_CLIENT_SECRET,
    // 20 ms frames, as Genesys sends them: a single scheduling hiccup on a busy test machine
    // then touches a small share of the frames, so it cannot move a p95 by itself.
    frame_duration: '20ms',
    session_length: '8s',
    interval: '9s',
    ping: { interval: '1s', timeout: '2s' },
    echo: true,
  });
  const cognigyRest = (name: string, sim: SimulatorName) => ({
    name,
    kind: 'cognigy-rest',
    url: `${sims[sim].url}/cognigy`,
    url_token: DEFAULT_COGNIGY_URL_TOKEN,
    text: 'What are your opening hours?',
    interval: '2s',
    timeout: '2s',
    budget: '1s',
  });
  const genesysRest = (name: string, sim: SimulatorName) => ({
    name,
    kind: 'genesys-rest',
    credential: genesysCredential(sim),
    interval: '1s',
    timeout: '1s',
  });

  const steady = sims.steady;
  const targets = [
    // Steady: every kind, never faulted.
    genesysRest('steady-genesys-api', 'steady'),
    {
      name: 'steady-health',
      kind: 'http',
      url: `${steady.url}/api/v2/health/check`,
      interval: '1s',
      timeout: '1s',
      expect: { status: [200], json: [{ path: 'status', equals: 'ok' }] },
    },
    cognigyRest('steady-cognigy-bot', 'steady'),
    {
      name: 'steady-bot-connector',
      kind: 'genesys-bot-connector',
      url: `${steady.url}/genesys/bot-connector`,
      bot_id: 'stack-bot',
      text: 'I want to check my order',
      interval: '2s',
      timeout: '2s',
      budget: '1s',
    },
    {
      name: 'steady-cxone-bot',
      kind: 'cxone-exchange',
      url: `${steady.url}/cxone/exchange`,
      credential: 'cxone-steady',
      virtual_agent_id: 'stack-agent',
      text: 'Where is my parcel?',
      interval: '2s',
      timeout: '2s',
      budget: '1s',
    },
    {
      ...echo('steady-echo-ws', 'steady'),
      app_ping: {
        interval: '1s',
        timeout: '1s',
        send: '{"type":"ping","id":"{{id}}"}',
        match_json: 'id',
      },
    },
    {
      name: 'steady-notifications',
      kind: 'genesys-notifications',
      credential: genesysCredential('steady'),
      timeout: '2s',
      topics: ['v2.users.stack-user.presence'],
      ping: { interval: '500ms', timeout: '1s' },
      heartbeat_interval: `${HEARTBEAT_MS}ms`,
      reconnect: RECONNECT,
    },
    {
      name: 'steady-cognigy-socket',
      kind: 'cognigy-socket',
      url: steady.url,
      url_token: DEFAULT_COGNIGY_URL_TOKEN,
      interval: '2s',
      timeout: '2s',
      text: 'Can I change my delivery address?',
      budget: '1s',
      reconnect: RECONNECT,
    },
    audiohook('steady-audiohook', 'steady'),
    {
      // The transcription route: no audio back, transcript events (event latency).
      ...audiohook('steady-audiohook-monitor', 'steady'),
      url: `${ws(steady)}/api/v1/audiohook/ws`,
      echo: false,
    },
    {
      name: 'steady-listen',
      kind: 'voicegateway-listen',
      url: `${ws(steady)}/listen?mode=stream`,
      frame_duration: '20ms',
      session_length: '8s',
      interval: '9s',
      audio: { source: 'talk', talk: '1s', pause: '2s' },
    },
    {
      name: 'cert-https',
      kind: 'http',
      url: certServer.url,
      interval: '1s',
      timeout: '1s',
      tls: { insecure_skip_verify: true },
    },

    // One simulator per scenario: its faults reach only these targets.
    genesysRest('token-api', 'token'),
    echo('drops-ws', 'drops'),
    echo('rtt-ws', 'rtt'),
    echo('storm-ws', 'storm'),
    {
      name: 'heartbeat-notifications',
      kind: 'genesys-notifications',
      credential: genesysCredential('heartbeat'),
      timeout: '2s',
      topics: ['v2.users.stack-user.presence'],
      // Slow pings: a stalled channel must be caught by its missing heartbeats, not a ping.
      ping: { interval: '10s', timeout: '10s' },
      heartbeat_interval: `${HEARTBEAT_MS}ms`,
      reconnect: RECONNECT,
    },
    audiohook('jitter-audiohook', 'jitter'),
    audiohook('mos-audiohook', 'mos'),
    cognigyRest('slow-bot', 'bot'),
    genesysRest('limited-api', 'ratelimit'),
  ];
  credentials['cxone-steady'] = {
    type: 'cxone',
    token_url: `${steady.url}/cxone/oauth/token`,
    client_id: 'cxprobe-demo-cxone',
    client_secret: secretOf('cxone'),
    auth_method: 'client_secret_post',
    refresh_before: '50s',
  };
  return stringify({
    global: { interval: '1s', timeout: '1s' },
    credentials,
    targets,
  });
}

/** A config for a second exporter that exists only to go down: one cheap HTTP target. */
export function sacrificialExporterConfig(sim: RunningSimulator): string {
  return stringify({
    targets: [
      {
        name: 'doomed-health',
        kind: 'http',
        url: `${sim.url}/api/v2/health/check`,
        interval: '2s',
        timeout: '1s',
      },
    ],
  });
}
