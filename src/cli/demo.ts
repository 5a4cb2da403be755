import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import {
  DEFAULT_AUDIOHOOK_KEYS,
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type FaultsPatch,
} from '../simulator/index.ts';
import { displayUrl, parseListenAddress } from './listen-address.ts';
import { startExporter, type RunningExporter } from './serve.ts';

export const DEMO_CONFIG_FILE = fileURLToPath(
  new URL('../../demo/cxprobe.demo.yml', import.meta.url),
);

/** Realistic latencies so the demo's histograms have shape: a fast API, slower NLP turns. */
export const DEMO_FAULTS: FaultsPatch = {
  endpoints: {
    genesys_tokens_me: { latency: { fixed_ms: 40, random_ms: 40 } },
    genesys_health_check: { latency: { fixed_ms: 15, random_ms: 20 } },
    cognigy_rest: { latency: { fixed_ms: 150, random_ms: 350 } },
    genesys_bot_connector: { latency: { fixed_ms: 250, random_ms: 500 } },
    cxone_exchange: { latency: { fixed_ms: 200, random_ms: 400 } },
  },
  // Occasional trouble on the persistent sessions: TCP drops (1006), 1011 closes and Genesys
  // maintenance (socket_closing, then 1001), each at a random time per session.
  ws_endpoints: {
    ws_echo: { pong_delay: { fixed_ms: 12, random_ms: 16 }, drop_every_ms: 45_000 },
    genesys_notifications: {
      pong_delay: { fixed_ms: 20, random_ms: 30 },
      latency: { fixed_ms: 40, random_ms: 40 },
      drop_every_ms: 120_000,
      maintenance_every_ms: 150_000,
      maintenance_grace_ms: 5_000,
    },
    audiohook: { frame_delay: { fixed_ms: 5, random_ms: 15 }, frame_loss_rate: 0.01 },
    listen: { frame_delay: { fixed_ms: 5, random_ms: 15 } },
    cognigy_socket: {
      latency: { fixed_ms: 300, random_ms: 600 },
      close_1011_every_ms: 180_000,
      drop_every_ms: 180_000,
    },
  },
};

/** Heartbeats every 10 s instead of Genesys' 30 s, so the demo's heartbeat panel fills quickly. */
const DEMO_HEARTBEAT_MS = 10_000;

/** Tokens live 60 s in the demo, so a broken token endpoint is visible within seconds. */
const DEMO_TOKEN_TTL_SECONDS = 60;

/** Starts the simulator and the exporter in one process, wired to each other. */
export async function startDemo(options: {
  listenAddress: string;
  simListenAddress: string;
  configFile?: string;
  logger: Logger;
}): Promise<{ exporter: RunningExporter; simulatorUrl: string; stop: () => Promise<void> }> {
  const simAddress = parseListenAddress(options.simListenAddress);
  const simulator = await startSimulator({
    host: simAddress.host ?? '127.0.0.1',
    port: simAddress.port,
    tokenTtlSeconds: DEMO_TOKEN_TTL_SECONDS,
    heartbeatIntervalMs: DEMO_HEARTBEAT_MS,
    faults: DEMO_FAULTS,
    logger: options.logger.child({ component: 'simulator' }),
  });
  const secret = (platform: 'genesys' | 'cxone') =>
    DEFAULT_SIMULATOR_CLIENTS.find((client) => client.platform === platform)?.clientSecret ?? '';
  process.env.CXPROBE_SIM_URL = simulator.url;
  process.env.CXPROBE_SIM_WS_URL = simulator.url.replace(/^http/, 'ws');
  process.env.CXPROBE_DEMO_GENESYS_SECRET ??= secret('genesys');
  process.env.CXPROBE_DEMO_CXONE_SECRET ??= secret('cxone');
  process.env.CXPROBE_DEMO_COGNIGY_URL_TOKEN ??= DEFAULT_COGNIGY_URL_TOKEN;
  const [audiohookKey, audiohookSecret] = Object.entries(DEFAULT_AUDIOHOOK_KEYS)[0] ?? ['', ''];
  process.env.CXPROBE_DEMO_AUDIOHOOK_API_KEY ??= audiohookKey;
  process.env.CXPROBE_DEMO_AUDIOHOOK_SECRET ??= audiohookSecret;
  let exporter: RunningExporter;
  try {
    exporter = await startExporter({
      configFile: options.configFile ?? DEMO_CONFIG_FILE,
      listenAddress: options.listenAddress,
      logger: options.logger,
    });
  } catch (error) {
    await simulator.close();
    throw error;
  }
  return {
    exporter,
    simulatorUrl: simulator.url,
    stop: async () => {
      await exporter.stop();
      await simulator.close();
    },
  };
}

/** What the demo prints for the person who just typed `npm start`. */
export function demoBanner(
  exporterHost: string | undefined,
  exporterPort: number,
  simulatorUrl: string,
): string {
  const base = displayUrl(exporterHost, exporterPort);
  return [
    '',
    'cxprobe demo is running: the exporter probes a local simulator of Genesys Cloud, Cognigy and CXone.',
    '',
    `  Landing page (targets, recent probes):  ${base}/`,
    `  Metrics for Prometheus:                 ${base}/metrics`,
    `  Running config (secrets redacted):      ${base}/config`,
    `  Simulator faults (GET, PUT JSON):       ${simulatorUrl}/-/sim/faults`,
    `  Simulator ground truth:                 ${simulatorUrl}/-/sim/truth`,
    '',
    '  Try breaking the Genesys token endpoint:',
    `    curl -X PUT -H 'content-type: application/json' -d '{"endpoints":{"genesys_oauth":{"error_rate":1}}}' ${simulatorUrl}/-/sim/faults`,
    `  and mend it again with error_rate 0. Ctrl-C stops the demo.`,
    '',
  ].join('\n');
}
