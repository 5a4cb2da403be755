import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log/logger.ts';
import { sampleValue } from '../support/exposition.ts';
import { eventually, sleep } from '../support/wait.ts';

/**
 * Issue 9, defect 2: a Retry-After past Node's timer limit (2^31-1 ms) used to overflow
 * `setTimeout` into 1 ms, so a 429 turned a target probed every 30 s into thousands of requests.
 * These servers answer 429 with absurd deferrals; the target must be hit once, then left alone.
 */
const ABSURD_RETRY_AFTER = [
  '99999999999',
  'Fri, 31 Dec 9999 23:59:59 GMT',
  String(2 ** 53),
  '1e308', // not delay-seconds: ignored, the interval applies
];

interface CountingServer {
  server: Server;
  url: string;
  hits: () => number;
}

async function startRateLimitedServer(retryAfter: string): Promise<CountingServer> {
  let hits = 0;
  const server = createServer((_request, response) => {
    hits += 1;
    response.writeHead(429, { 'retry-after': retryAfter, 'content-type': 'text/plain' });
    response.end('slow down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${String(port)}/`, hits: () => hits };
}

describe('peer-supplied delays are bounded', () => {
  let exporter: RunningExporter | undefined;
  const servers: Server[] = [];

  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a 429 with an absurd Retry-After never makes a target probed more often than its interval', async () => {
    const peers = await Promise.all(ABSURD_RETRY_AFTER.map(startRateLimitedServer));
    servers.push(...peers.map((peer) => peer.server));
    const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-delay-'));
    const configFile = path.join(dir, 'cxprobe.yml');
    const targets = peers
      .map((peer, index) => `  - {name: limited-${String(index)}, kind: http, url: "${peer.url}"}`)
      .join('\n');
    // A 1 s interval: over the 3 s watched below, at most 3 runs (plus the first) may happen.
    await writeFile(configFile, `global: {interval: 1s, timeout: 500ms}\ntargets:\n${targets}\n`);
    const logger = await createLogger({
      level: 'error',
      format: 'json',
      destination: new PassThrough(),
      redactor: () => (text: string) => text,
    });
    exporter = await startExporter({ configFile, listenAddress: '127.0.0.1:0', logger });
    const base = `http://127.0.0.1:${String(exporter.address.port)}`;
    await eventually(
      async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return peers.every(
          (_peer, index) =>
            (sampleValue(text, 'cxprobe_probes_total', {
              target: `limited-${String(index)}`,
              result: 'rate_limited',
            }) ?? 0) >= 1,
        );
      },
      5_000,
      'every target rate-limited once',
    );
    await sleep(3_000);
    // Deferred by the (capped) Retry-After: exactly the first request.
    expect(peers.slice(0, 3).map((peer) => peer.hits())).toEqual([1, 1, 1]);
    // An unreadable Retry-After is ignored: the target keeps its 1 s cadence, no faster.
    expect(peers[3]?.hits()).toBeGreaterThanOrEqual(2);
    expect(peers[3]?.hits()).toBeLessThanOrEqual(5);
  });
});
