import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { installHint, missingTools } from './external-tools.ts';
import { ManagedProcess } from './child-process.ts';
import { freePort } from './net.ts';

/**
 * The pieces of a monitoring stack for the stack tests: real Prometheus and Alertmanager child
 * processes (the Debian binaries) and a loopback webhook receiver standing in for the pager.
 */

/** Binaries the stack tests run; the Debian packages `prometheus` and `prometheus-alertmanager`. */
export const STACK_BINARIES = [
  'prometheus',
  'promtool',
  'prometheus-alertmanager',
  'amtool',
] as const;

/** Throws a message that says what to install when a stack binary is missing. */
export function requireStackBinaries(): void {
  const missing = missingTools(STACK_BINARIES);
  if (missing.length > 0) {
    throw new Error(
      `The stack tests need ${missing.join(', ')} on the PATH: ${installHint(missing)}; ` +
        'CI installs them in .ci/run.',
    );
  }
}

/** One alert as Alertmanager's webhook delivered it, with the receiver and arrival time. */
export interface ReceivedAlert {
  receiver: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  /** Date.now() when the webhook got it. */
  receivedAt: number;
}

interface WebhookPayload {
  receiver: string;
  status: string;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt: string;
    endsAt: string;
  }[];
}

/** A loopback webhook receiver that records every alert group Alertmanager POSTs. */
export interface WebhookReceiver {
  /** URL to put in `webhook_configs`. */
  url: string;
  /** Every raw payload, in arrival order. */
  readonly payloads: readonly WebhookPayload[];
  /** Every alert of every payload, in arrival order. */
  readonly alerts: readonly ReceivedAlert[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const payloads: WebhookPayload[] = [];
  const alerts: ReceivedAlert[] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString()) as WebhookPayload;
        payloads.push(payload);
        const receivedAt = Date.now();
        for (const alert of payload.alerts) {
          alerts.push({
            receiver: payload.receiver,
            status: alert.status,
            labels: alert.labels,
            annotations: alert.annotations ?? {},
            startsAt: alert.startsAt,
            endsAt: alert.endsAt,
            receivedAt,
          });
        }
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    payloads,
    alerts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** The URL of the committed Alertmanager config's webhook receiver. */
export const COMMITTED_WEBHOOK_URL = 'http://webhook:9095/alerts';

type YamlMap = Record<string, unknown>;

const isMap = (value: unknown): value is YamlMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rewrites an Alertmanager config for the stack test: every webhook URL pointing at
 * {@link COMMITTED_WEBHOOK_URL} goes to `webhookUrl`, and every route gets short
 * group_wait / group_interval / repeat_interval so alerts arrive within seconds. Routing
 * (receivers per severity, matchers, inhibit rules) stays as committed.
 *
 * @throws when the config has no webhook receiver with the committed URL.
 */
export function rewriteAlertmanagerConfig(
  yamlText: string,
  webhookUrl: string,
  timing = { group_wait: '1s', group_interval: '2s', repeat_interval: '1h' },
): string {
  const config = parse(yamlText) as unknown;
  if (!isMap(config)) throw new Error('alertmanager.yml is not a YAML map');
  let rewritten = 0;
  const receivers = Array.isArray(config.receivers) ? (config.receivers as unknown[]) : [];
  for (const receiver of receivers) {
    if (!isMap(receiver) || !Array.isArray(receiver.webhook_configs)) continue;
    for (const webhook of receiver.webhook_configs as unknown[]) {
      if (isMap(webhook) && webhook.url === COMMITTED_WEBHOOK_URL) {
        webhook.url = webhookUrl;
        rewritten++;
      }
    }
  }
  if (rewritten === 0)
    throw new Error(`alertmanager.yml has no webhook receiver with url ${COMMITTED_WEBHOOK_URL}`);
  const visit = (route: unknown, root: boolean) => {
    if (!isMap(route)) return;
    for (const [key, value] of Object.entries(timing)) {
      if (root || key in route) route[key] = value;
    }
    if (Array.isArray(route.routes))
      for (const child of route.routes as unknown[]) visit(child, false);
  };
  visit(config.route, true);
  return stringify(config);
}

/** Receiver names that send to the webhook (after {@link rewriteAlertmanagerConfig}). */
export function webhookReceivers(yamlText: string, webhookUrl: string): string[] {
  const config = parse(yamlText) as unknown;
  if (!isMap(config) || !Array.isArray(config.receivers)) return [];
  return (config.receivers as unknown[]).flatMap((receiver) =>
    isMap(receiver) &&
    typeof receiver.name === 'string' &&
    Array.isArray(receiver.webhook_configs) &&
    (receiver.webhook_configs as unknown[]).some(
      (webhook) => isMap(webhook) && webhook.url === webhookUrl,
    )
      ? [receiver.name]
      : [],
  );
}

/** A running Alertmanager. */
export interface RunningAlertmanager {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startAlertmanager(options: {
  dir: string;
  configYaml: string;
}): Promise<RunningAlertmanager> {
  const configFile = path.join(options.dir, 'alertmanager.yml');
  await writeFile(configFile, options.configYaml);
  const port = await freePort();
  const child = new ManagedProcess(
    'alertmanager',
    'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(options.dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty: no cluster listener, no gossip port to collide with.
      '--cluster.listen-address=',
      '--log.level=info',
    ],
    options.dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await child.stopOnFailure(child.waitReady(`${url}/-/ready`));
  return { url, process: child, stop: () => child.stop() };
}

/** One series of an instant vector. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A running Prometheus. */
export interface RunningPrometheus {
  url: string;
  process: ManagedProcess;
  /** Instant query; throws on an API error (bad PromQL included), with the error text. */
  query(expr: string): Promise<VectorSample[]>;
  /** Writes the file_sd file Prometheus scrapes job `cxprobe` from. */
  setScrapeTargets(targets: string[]): Promise<void>;
  stop(): Promise<void>;
}

export const SCRAPE_JOB = 'cxprobe';

/**
 * Starts Prometheus: scrape and evaluation every second, job {@link SCRAPE_JOB} from a file_sd
 * file (so targets can come and go at run time), the given rule files, alerting to Alertmanager.
 */
export async function startPrometheus(options: {
  dir: string;
  ruleFiles: string[];
  alertmanagerUrl: string;
  scrapeTargets: string[];
}): Promise<RunningPrometheus> {
  const sdFile = path.join(options.dir, 'cxprobe-targets.json');
  const setScrapeTargets = async (targets: string[]) => {
    // Written whole then renamed would be safer against a half-read file; Prometheus re-reads on
    // the next change or refresh anyway, and a parse error keeps the previous targets.
    await writeFile(sdFile, JSON.stringify([{ targets, labels: {} }]));
  };
  await setScrapeTargets(options.scrapeTargets);
  const configFile = path.join(options.dir, 'prometheus.yml');
  await writeFile(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles,
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [new URL(options.alertmanagerUrl).host] }] }],
      },
      scrape_configs: [
        {
          job_name: SCRAPE_JOB,
          file_sd_configs: [{ files: [sdFile], refresh_interval: '1s' }],
        },
      ],
    }),
  );
  const port = await freePort();
  const child = new ManagedProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(options.dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      // Re-send firing alerts often, so Alertmanager never times them out between evaluations.
      '--rules.alert.resend-delay=2s',
      '--log.level=info',
    ],
    options.dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await child.stopOnFailure(child.waitReady(`${url}/-/ready`));
  return {
    url,
    process: child,
    async query(expr) {
      const response = await fetch(
        `${url}/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`,
      );
      const body = (await response.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: VectorSample[] | [number, string] };
      };
      if (body.status !== 'success' || body.data === undefined)
        throw new Error(`query ${expr} failed: ${body.error ?? response.statusText}`);
      const { resultType, result } = body.data;
      if (resultType === 'vector') return result as VectorSample[];
      // A scalar (e.g. `time()`) counts as one sample without labels.
      if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
      throw new Error(`query ${expr} returned a ${resultType}`);
    },
    setScrapeTargets,
    stop: () => child.stop(),
  };
}
