import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../support/exposition.ts';
import { tempDir } from '../support/files.ts';
import { eventually, sleep } from '../support/wait.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/cxprobe.js');
/**
 * Loaded with `node --import` into the child: stands in for a bug that a peer's input reaches
 * inside a callback (a message handler, a timer), where no caller can catch it. SIGUSR2 fires
 * it once the exporter listens; the secret in the messages must be scrubbed from the log.
 */
const PRELOAD = `
const secret = process.env.GUARD_TEST_SECRET ?? '';
process.on('SIGUSR2', () => {
  setTimeout(() => { void Promise.reject(new Error('rejected with ' + secret)); }, 50);
  throw new Error('handler blew up on ' + secret);
});
`;
const SECRET = 'guard-test-secret-3f9a';

/**
 * Issue 9, defect 1: an exception no handler caught used to end the process (exit 1) and every
 * target with it. The `run` path now has a last-resort guard: it logs (redacted), counts
 * `cxprobe_internal_errors_total{source}` and the exporter keeps probing. A real child process,
 * with a throw planted by `--import`, because the guard is about the process itself.
 */
describe('the last-resort guard of cxprobe run', () => {
  let child: ChildProcess | undefined;
  let target: Server | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    const server = target;
    target = undefined;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  });

  it('survives an uncaught exception and an unhandled rejection, counts and redacts them', async () => {
    let hits = 0;
    target = createServer((_request, response) => {
      hits += 1;
      response.end('ok');
    });
    await new Promise<void>((resolve) => target?.listen(0, '127.0.0.1', resolve));
    const port = (target.address() as AddressInfo).port;
    const dir = await tempDir('guard');
    const file = path.join(dir, 'cxprobe.yml');
    const preload = path.join(dir, 'throwing-handler.mjs');
    await writeFile(preload, PRELOAD);
    await writeFile(
      file,
      `global: {interval: 300ms, timeout: 250ms}
targets:
  - name: web
    kind: http
    url: http://127.0.0.1:${String(port)}/
    headers: {x-token: "\${GUARD_TEST_SECRET}"}
`,
    );
    const output: string[] = [];
    const exited = new Promise<number | null>((resolve) => {
      child = spawn(
        process.execPath,
        [
          '--import',
          preload,
          CLI,
          'run',
          `--config.file=${file}`,
          '--web.listen-address=127.0.0.1:0',
        ],
        {
          env: { ...process.env, GUARD_TEST_SECRET: SECRET },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('exit', (code) => {
        resolve(code);
      });
    });
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
    });
    const metricsPort = await eventually(
      () => Promise.resolve(/address=\S*:(\d+)/.exec(output.join(''))?.[1]),
      15_000,
      'the exporter to listen',
    );
    child?.kill('SIGUSR2');
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await eventually(
      async () => {
        const text = await scrape();
        return (
          (sampleValue(text, 'cxprobe_internal_errors_total', { source: 'uncaught_exception' }) ??
            0) >= 1 &&
          (sampleValue(text, 'cxprobe_internal_errors_total', { source: 'unhandled_rejection' }) ??
            0) >= 1
        );
      },
      10_000,
      'both errors counted',
    );
    // Still up, and still probing its target at its cadence after the throw.
    const hitsAfterThrow = hits;
    await sleep(1_000);
    expect(exitCode).toBeUndefined();
    expect(hits).toBeGreaterThan(hitsAfterThrow);
    const text = await scrape();
    expect(sampleValue(text, 'cxprobe_internal_errors_total', { source: 'probe' })).toBe(0);
    const log = output.join('');
    expect(log).toContain('last-resort guard');
    expect(log).not.toContain(SECRET);
  });
});
