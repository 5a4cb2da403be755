import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSamples } from '../support/exposition.ts';
import { eventually } from '../support/wait.ts';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '../..');

/**
 * What the image runs: the sources compiled by `npm run build` (tsconfig.build.json) and started
 * with plain `node`, no transpiler. Built here into a scratch tree laid out like the repository
 * (dist/ beside package.json, demo/ and node_modules/), so the compiled code finds its files.
 */
describe('the compiled exporter (npm run build)', () => {
  let tree: string;
  let cli: string;

  beforeAll(async () => {
    tree = await mkdtemp(path.join(tmpdir(), 'cxprobe-build-'));
    for (const entry of ['package.json', 'demo', 'node_modules'])
      await symlink(path.join(ROOT, entry), path.join(tree, entry));
    await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        path.join(tree, 'dist'),
      ],
      { cwd: ROOT },
    );
    cli = path.join(tree, 'dist/cli.js');
  }, 120_000);
  afterAll(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it('says its version', async () => {
    const { stdout } = await run(process.execPath, [cli, '--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs the demo: the simulator, every kind and /metrics, loaded lazily from JavaScript', async () => {
    const demo = spawn(
      process.execPath,
      [cli, 'demo', '--web.listen-address=127.0.0.1:0', '--sim.listen-address=127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    demo.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const base = await eventually(
        () =>
          Promise.resolve(/Metrics for Prometheus:\s+(http:\/\/\S+)\/metrics/.exec(stdout)?.[1]),
        20_000,
        'the demo banner',
      );
      // Cognigy Socket.IO (socket.io-client, loaded on first open) and a cycle kind both work.
      const healthy = await eventually(
        async () => {
          const samples = parseSamples(await (await fetch(`${base}/metrics`)).text());
          const up = (kind: string) =>
            samples.some(
              (sample) =>
                sample.name === 'cxprobe_probe_success' &&
                sample.labels.kind === kind &&
                sample.value === 1,
            );
          return up('cognigy-socket') && up('http') ? true : undefined;
        },
        20_000,
        'healthy http and cognigy-socket targets',
      );
      expect(healthy).toBe(true);
    } finally {
      demo.kill('SIGTERM');
      await once(demo, 'exit');
    }
  }, 60_000);
});
