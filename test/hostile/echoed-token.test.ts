import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log/logger.ts';
import {
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
} from '../../src/simulator/index.ts';
import { eventually } from '../support/wait.ts';

/**
 * Issue 9, defect 6: an OAuth access token issued to cxprobe is a secret too. A target that
 * echoes it back (bare, without the "Bearer" word the scrubber already knew) must not put it on
 * the landing page, in /logs or in the log.
 */
const GENESYS_SECRET =
  DEFAULT_SIMULATOR_CLIENTS.find((client) => client.platform === 'genesys')?.clientSecret ?? '';

describe('tokens issued to us and echoed back by a target', () => {
  let simulator: RunningSimulator;
  let echo: Server;
  let exporter: RunningExporter;
  let base: string;
  const seen: string[] = [];
  let logText = '';

  beforeAll(async () => {
    simulator = await startSimulator({});
    echo = createServer((request, response) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      seen.push(token);
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'nope', youSent: token }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoUrl = `http://127.0.0.1:${String((echo.address() as AddressInfo).port)}/`;
    const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-echo-'));
    const configFile = path.join(dir, 'cxprobe.yml');
    await writeFile(
      configFile,
      [
        'global: {interval: 300ms, timeout: 250ms}',
        'credentials:',
        '  genesys:',
        '    type: genesys',
        `    login_url: ${simulator.url}`,
        `    api_url: ${simulator.url}`,
        '    client_id: cxprobe-demo',
        `    client_secret: ${GENESYS_SECRET}`,
        'targets:',
        `  - {name: echo, kind: http, url: "${echoUrl}", credential: genesys}`,
      ].join('\n'),
    );
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => (logText += chunk.toString()));
    const holder: { running?: RunningExporter } = {};
    const logger = await createLogger({
      level: 'debug',
      format: 'json',
      destination: logs,
      redactor: () => holder.running?.exporter.redactor() ?? ((text: string) => text),
    });
    exporter = await startExporter({ configFile, listenAddress: '127.0.0.1:0', logger });
    holder.running = exporter;
    base = `http://127.0.0.1:${String(exporter.address.port)}`;
  });

  afterAll(async () => {
    await exporter.stop();
    await simulator.close();
    echo.closeAllConnections();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('scrubs the token from the landing page, the probe logs and the exporter log', async () => {
    const page = await eventually(async () => {
      const text = await (await fetch(`${base}/`)).text();
      return seen.length >= 2 && /logs\?id=\d+/.test(text) ? text : undefined;
    });
    const token = seen[0] ?? '';
    expect(token.length).toBeGreaterThan(8);
    const ids = [...page.matchAll(/logs\?id=(\d+)/g)].map((match) => match[1] ?? '');
    const probeLogs = await Promise.all(
      ids.map(async (id) => (await fetch(`${base}/logs?id=${id}`)).text()),
    );
    expect(probeLogs.join('\n')).toContain('youSent');
    for (const text of [page, ...probeLogs, logText]) expect(text).not.toContain(token);
  });
});
