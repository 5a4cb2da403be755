import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatorApp, DEFAULT_COGNIGY_URL_TOKEN } from '../../src/simulator/index.ts';
import { configFrom, depsFor } from '../support/probe-setup.ts';
import { recordingEvents, startSessionTarget } from '../support/session-events.ts';
import { eventually } from '../support/wait.ts';

/**
 * A Cognigy endpoint behind a certificate of its own (a private CA, a lab endpoint): the
 * target's `tls` settings apply to the Socket.IO connection as to every other kind.
 */
describe('kind: cognigy-socket over TLS', () => {
  let origin: string;
  let caFile: string;
  let dir: string;
  let server: https.Server;
  let dispose: () => void;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-cognigy-tls-'));
    caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, pems.cert);
    const simulator = createSimulatorApp({});
    dispose = simulator.dispose;
    server = https.createServer({ key: pems.private, cert: pems.cert }, simulator.app);
    simulator.attach(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    dispose();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  async function run(tls: string, transports = '[websocket]') {
    const yaml = `
targets:
  - name: cognigy
    kind: cognigy-socket
    url: ${origin}
    url_token: ${DEFAULT_COGNIGY_URL_TOKEN}
    interval: 500ms
    timeout: 500ms
    transports: ${transports}
${tls}`;
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    return recorder;
  }

  it('refuses a certificate it cannot verify, as tls_error', async () => {
    const recorder = await run('');
    await eventually(
      () => Promise.resolve(recorder.of('connect_failed').length > 0 || undefined),
      5_000,
      'a failed connect',
    );
    expect(recorder.of('connect_failed')[0]?.[0]).toBe('tls_error');
    expect(recorder.of('connected')).toEqual([]);
  });

  for (const transports of ['[websocket]', '[polling]']) {
    it(`trusts the CA bundle of tls.ca_file (${transports})`, async () => {
      const recorder = await run(`    tls: { ca_file: ${JSON.stringify(caFile)} }`, transports);
      await eventually(
        () => Promise.resolve(recorder.of('turn').length > 0 || undefined),
        5_000,
        'a bot turn',
      );
      expect(recorder.of('connect_failed')).toEqual([]);
      expect(recorder.of('turn')[0]?.[2]).toBe(true);
    });
  }

  it('connects with insecure_skip_verify', async () => {
    const recorder = await run('    tls: { insecure_skip_verify: true }');
    await eventually(
      () => Promise.resolve(recorder.of('connected').length > 0 || undefined),
      5_000,
      'a session',
    );
    expect(recorder.of('connect_failed')).toEqual([]);
  });
});
