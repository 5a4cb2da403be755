import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, get as httpGet, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log/logger.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import { sampleValue } from '../support/exposition.ts';
import { eventually } from '../support/wait.ts';

const GENESYS_SECRET =
  DEFAULT_SIMULATOR_CLIENTS.find((c) => c.platform === 'genesys')?.clientSecret ?? '';

/** A server whose error page carries markup, to prove the landing page escapes remote text. */
async function startHostileServer(): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(500, { 'content-type': 'text/html' });
    response.end('<script>alert("pwned")</script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function configText(simUrl: string, hostileUrl: string, extraTarget = ''): string {
  return `
global:
  interval: 300ms
  timeout: 250ms
credentials:
  genesys:
    type: genesys
    login_url: ${simUrl}
    api_url: ${simUrl}
    client_id: cxprobe-demo
    client_secret: \${TEST_GENESYS_SECRET}
    refresh_before: 1s
targets:
  - name: genesys-api
    kind: genesys-rest
    credential: genesys
  - name: cognigy
    kind: cognigy-rest
    url: ${simUrl}/cognigy
    url_token: \${TEST_COGNIGY_TOKEN}
  - name: hostile
    kind: http
    url: ${hostileUrl}
${extraTarget}`;
}

describe('exporter (in process, against the simulator)', () => {
  let simulator: RunningSimulator;
  let hostile: Server;
  let exporter: RunningExporter;
  let base: string;
  let configFile: string;
  let simUrl: string;
  let hostileUrl: string;
  const logs = new PassThrough();
  let logText = '';
  logs.on('data', (chunk: Buffer) => {
    logText += chunk.toString();
  });

  const metricsText = async () => (await fetch(`${base}/metrics`)).text();

  beforeAll(async () => {
    process.env.TEST_GENESYS_SECRET = GENESYS_SECRET;
    process.env.TEST_COGNIGY_TOKEN = DEFAULT_COGNIGY_URL_TOKEN;
    simulator = await startSimulator({ tokenTtlSeconds: 2 });
    hostile = await startHostileServer();
    simUrl = simulator.url;
    hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`;
    const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-exporter-'));
    configFile = path.join(dir, 'cxprobe.yml');
    await writeFile(configFile, configText(simUrl, hostileUrl));
    const holder: { running?: RunningExporter } = {};
    const logger = await createLogger({
      level: 'debug',
      format: 'json',
      destination: logs,
      redactor: () => holder.running?.exporter.redactor() ?? ((text) => text),
    });
    exporter = await startExporter({ configFile, listenAddress: '127.0.0.1:0', logger });
    holder.running = exporter;
    base = `http://127.0.0.1:${exporter.address.port}`;
    await eventually(
      async () =>
        sampleValue(await metricsText(), 'cxprobe_probe_success', { target: 'genesys-api' }) === 1,
      10_000,
      'first successful genesys probe',
    );
  });

  afterAll(async () => {
    await exporter.stop();
    await simulator.close();
    hostile.closeAllConnections();
    await new Promise((resolve) => hostile.close(resolve));
  });

  it('serves Prometheus text by default and OpenMetrics when asked', async () => {
    const plain = await fetch(`${base}/metrics`);
    expect(plain.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const open = await fetch(`${base}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(open.headers.get('content-type')).toContain('application/openmetrics-text');
    const body = await open.text();
    expect(body.trimEnd().endsWith('# EOF')).toBe(true);
    expect(body).toContain('cxprobe_http_request_duration_seconds_bucket');
    // prom-client renames counters while rendering OpenMetrics; the text format must not notice.
    const again = await (await fetch(`${base}/metrics`)).text();
    expect(again).toContain('# TYPE cxprobe_probes_total counter');
    expect(again).toMatch(/^cxprobe_probes_total\{/m);
  });

  it('gzips /metrics for a scraper that accepts it, and only then', async () => {
    const raw = (encoding: string | undefined) =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        httpGet(
          `${base}/metrics`,
          { headers: encoding === undefined ? {} : { 'accept-encoding': encoding } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              resolve({ headers: response.headers, body: Buffer.concat(chunks) });
            });
          },
        ).on('error', reject);
      });
    // What Prometheus sends.
    const zipped = await raw('gzip');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(zipped.body).toString('utf8');
    expect(text).toContain('# TYPE cxprobe_probes_total counter');
    expect(zipped.body.length).toBeLessThan(text.length / 3);
    const plain = await raw(undefined);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toContain('# TYPE cxprobe_probes_total counter');
  });

  it('records phases, bot turns and status codes', async () => {
    const text = await eventually(async () => {
      const current = await metricsText();
      return (sampleValue(current, 'cxprobe_bot_turn_duration_seconds_count', {
        target: 'cognigy',
      }) ?? 0) > 0
        ? current
        : undefined;
    });
    // Histograms for the default phases only; every phase has its last-probe gauge.
    for (const phase of ['first_byte', 'total']) {
      expect(
        sampleValue(text, 'cxprobe_http_request_duration_seconds_count', {
          target: 'genesys-api',
          phase,
        }),
      ).toBeGreaterThan(0);
    }
    expect(text).not.toContain(
      'cxprobe_http_request_duration_seconds_count{target="genesys-api",phase="dns"}',
    );
    for (const phase of ['connect', 'request', 'first_byte', 'download']) {
      expect(
        sampleValue(text, 'cxprobe_http_phase_duration_seconds', { target: 'genesys-api', phase }),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(
      sampleValue(text, 'cxprobe_event_loop_delay_seconds', { percentile: '99' }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sampleValue(text, 'cxprobe_http_responses_total', { target: 'genesys-api', code: '200' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'cxprobe_http_responses_total', { target: 'hostile', code: '500' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'cxprobe_probes_total', { target: 'hostile', result: 'unexpected_status' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(text, 'cxprobe_bot_turn_budget_seconds', { target: 'cognigy' })).toBe(30);
    expect(sampleValue(text, 'cxprobe_build_info')).toBe(1);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  it('answers health and readiness, and only POST reloads', async () => {
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    const get = await fetch(`${base}/-/reload`);
    expect(get.status).toBe(405);
  });

  it('refuses reloads a foreign page could forge, and forbids framing and script', async () => {
    const reloadsBefore = sampleValue(await metricsText(), 'cxprobe_config_reloads_total', {
      result: 'success',
    });
    const forged: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'text/plain' },
    ];
    for (const headers of forged) {
      const response = await fetch(`${base}/-/reload`, { method: 'POST', headers });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.text()).toMatch(/^Reload refused: /);
    }
    expect(
      sampleValue(await metricsText(), 'cxprobe_config_reloads_total', { result: 'success' }),
    ).toBe(reloadsBefore);
    // Same origin (what a browser on the landing page itself would send) still works.
    const own = await fetch(`${base}/-/reload`, { method: 'POST', headers: { origin: base } });
    expect(own.status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('escapes remote text on the landing page and serves probe logs as plain text', async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('hostile');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    const id = /logs\?id=(\d+)/.exec(page)?.[1];
    expect(id).toBeDefined();
    const log = await fetch(`${base}/logs?id=${id ?? ''}`);
    expect(log.headers.get('content-type')).toContain('text/plain');
    expect(await log.text()).toContain('beginning probe');
  });

  it('fails the dependent target with auth_failed while the token endpoint fails, then recovers', async () => {
    simulator.setFaults({ endpoints: { genesys_oauth: { error_rate: 1 } } });
    const failing = await eventually(
      async () => {
        const text = await metricsText();
        return sampleValue(text, 'cxprobe_probe_success', { target: 'genesys-api' }) === 0
          ? text
          : undefined;
      },
      10_000,
      'genesys-api to fail',
    );
    expect(
      sampleValue(failing, 'cxprobe_probes_total', {
        target: 'genesys-api',
        result: 'auth_failed',
      }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(failing, 'cxprobe_oauth_token_requests_total', {
        credential: 'genesys',
        result: 'auth_failed',
      }),
    ).toBeGreaterThan(0);
    // Targets without that credential are untouched.
    expect(sampleValue(failing, 'cxprobe_probe_success', { target: 'cognigy' })).toBe(1);
    simulator.setFaults({ endpoints: { genesys_oauth: { error_rate: 0 } } });
    await eventually(
      async () =>
        sampleValue(await metricsText(), 'cxprobe_probe_success', { target: 'genesys-api' }) === 1,
      10_000,
      'recovery',
    );
  });

  it('rejects a bad reload, keeps probing the old targets and reports it', async () => {
    await writeFile(configFile, 'targets:\n  - name: x\n    kind: http\n    interval: soon\n');
    const response = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain(
      `${configFile}:4:15 targets[0].interval: expected a duration like "15s"`,
    );
    const before =
      sampleValue(await metricsText(), 'cxprobe_probes_total', {
        target: 'cognigy',
        result: 'success',
      }) ?? 0;
    const after = await eventually(async () => {
      const text = await metricsText();
      const count =
        sampleValue(text, 'cxprobe_probes_total', { target: 'cognigy', result: 'success' }) ?? 0;
      return count > before ? text : undefined;
    });
    expect(sampleValue(after, 'cxprobe_config_last_reload_successful')).toBe(0);
    expect(sampleValue(after, 'cxprobe_config_reloads_total', { result: 'failure' })).toBe(1);
  });

  it('applies a good reload: new targets start, removed targets lose their series', async () => {
    const extra = `  - name: health\n    kind: http\n    url: ${simUrl}/api/v2/health/check\n`;
    await writeFile(
      configFile,
      configText(simUrl, hostileUrl, extra).replace(/ {2}- name: hostile\n.*\n.*\n/, ''),
    );
    const response = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(response.status).toBe(200);
    const text = await eventually(async () => {
      const current = await metricsText();
      return sampleValue(current, 'cxprobe_probe_success', { target: 'health' }) === 1
        ? current
        : undefined;
    });
    expect(sampleValue(text, 'cxprobe_config_last_reload_successful')).toBe(1);
    expect(text).not.toContain('target="hostile"');
    expect(sampleValue(text, 'cxprobe_targets', { kind: 'http' })).toBe(1);
  });

  it('never shows a secret in /metrics, /config, the landing page or the logs', async () => {
    const config = await (await fetch(`${base}/config`)).text();
    expect(config).toContain('client_secret: <redacted>');
    expect(config).toContain('url_token: <redacted>');
    const surfaces = [config, await metricsText(), await (await fetch(`${base}/`)).text(), logText];
    for (const surface of surfaces) {
      expect(surface).not.toContain(GENESYS_SECRET);
      expect(surface).not.toContain(DEFAULT_COGNIGY_URL_TOKEN);
    }
    expect(logText.length).toBeGreaterThan(0);
  });
});
