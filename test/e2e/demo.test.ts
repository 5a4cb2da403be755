import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AUDIOHOOK_KEYS,
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
} from '../../src/simulator/index.ts';
import { parseSamples, sampleValue } from '../support/exposition.ts';
import { itWithTools } from '../support/external-tools.ts';
import { exposedSurface, readSurface } from '../metrics/metric-surface.ts';
import { eventually } from '../support/wait.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const SECRETS = [
  ...DEFAULT_SIMULATOR_CLIENTS.map((client) => client.clientSecret),
  DEFAULT_COGNIGY_URL_TOKEN,
  ...Object.entries(DEFAULT_AUDIOHOOK_KEYS).flat(),
];

/**
 * The newcomer's path, as a child process: `cxprobe demo` (what `npm start` runs) on ephemeral
 * ports, checked from the outside the way the "done when" list reads.
 */
describe('cxprobe demo (child process)', () => {
  let demo: ChildProcess;
  let stdout = '';
  let stderr = '';
  let base: string;
  let simUrl: string;
  const metricsText = async () => (await fetch(`${base}/metrics`)).text();

  beforeAll(async () => {
    demo = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/cxprobe.js'),
        'demo',
        '--web.listen-address=127.0.0.1:0',
        '--sim.listen-address=127.0.0.1:0',
        '--log.level=debug',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const urls = await eventually(
      () => {
        const exporter = /Metrics for Prometheus:\s+(http:\/\/\S+)\/metrics/.exec(stdout)?.[1];
        const simulator =
          /Simulator faults \(GET, PUT JSON\):\s+(http:\/\/\S+)\/-\/sim\/faults/.exec(stdout)?.[1];
        return Promise.resolve(
          exporter !== undefined && simulator !== undefined ? { exporter, simulator } : undefined,
        );
      },
      15_000,
      'the demo banner',
    );
    base = urls.exporter;
    simUrl = urls.simulator;
  });

  afterAll(async () => {
    if (demo.exitCode === null) {
      demo.kill('SIGTERM');
      await once(demo, 'exit');
    }
  });

  it('within 15 s shows HTTP phase histograms and probe_success 1 for at least 4 targets', async () => {
    const text = await eventually(
      async () => {
        const current = await metricsText();
        const healthy = parseSamples(current).filter(
          (sample) =>
            sample.name === 'cxprobe_probe_success' &&
            sample.value === 1 &&
            (sampleValue(current, 'cxprobe_http_request_duration_seconds_count', {
              target: sample.labels.target ?? '',
              phase: 'total',
            }) ?? 0) > 0,
        );
        return healthy.length >= 4 ? current : undefined;
      },
      15_000,
      '4 healthy targets',
    );
    expect(text).toContain('cxprobe_bot_turn_duration_seconds_bucket');
  });

  it('keeps WebSocket, Genesys Notifications and Cognigy sessions and counts an injected 1006 drop', async () => {
    await eventually(
      async () => {
        const text = await metricsText();
        return ['echo-ws', 'genesys-notifications', 'cognigy-socket'].every(
          (target) => sampleValue(text, 'cxprobe_ws_connected', { target }) === 1,
        );
      },
      15_000,
      'three sessions up',
    );
    await eventually(
      async () =>
        (sampleValue(await metricsText(), 'cxprobe_ws_ping_rtt_seconds_count', {
          target: 'echo-ws',
          layer: 'control',
        }) ?? 0) > 0,
      10_000,
      'a control ping RTT',
    );
    const drops = async () =>
      parseSamples(await metricsText())
        .filter(
          (sample) =>
            sample.name === 'cxprobe_ws_closes_total' &&
            sample.labels.target === 'echo-ws' &&
            sample.labels.code === '1006' &&
            sample.labels.reason === 'abnormal_closure',
        )
        .reduce((sum, sample) => sum + sample.value, 0);
    const before = await drops();
    const action = await fetch(`${simUrl}/-/sim/ws/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'ws_echo', action: 'drop' }),
    });
    expect(((await action.json()) as { applied: number }).applied).toBe(1);
    await eventually(async () => (await drops()) === before + 1, 10_000, 'the drop counted');
  });

  it('streams audio: per-frame deviation histograms and an E-model MOS appear', async () => {
    const text = await eventually(
      async () => {
        const current = await metricsText();
        return sampleValue(current, 'cxprobe_audio_mos', { target: 'audiohook-echo' }) !== undefined
          ? current
          : undefined;
      },
      20_000,
      'a MOS for the AudioHook stream',
    );
    expect(
      parseSamples(text).some(
        (sample) =>
          sample.name === 'cxprobe_audio_interarrival_deviation_seconds_bucket' &&
          sample.labels.target === 'audiohook-echo' &&
          sample.value > 0,
      ),
    ).toBe(true);
    const mos = sampleValue(text, 'cxprobe_audio_mos', { target: 'audiohook-echo' }) ?? 0;
    expect(mos).toBeGreaterThan(1);
    expect(mos).toBeLessThanOrEqual(4.5);
  });

  itWithTools(['promtool'])('passes promtool check metrics without a single remark', async () => {
    const text = await metricsText();
    const child = execFile('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin?.end(text);
    const [code] = (await once(child, 'exit')) as [number];
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('turns the Genesys targets to 0 with a reason while the token endpoint fails, and back', async () => {
    const put = (body: unknown) =>
      fetch(`${simUrl}/-/sim/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ endpoints: { genesys_oauth: { error_rate: 1 } } })).status).toBe(200);
    const failing = await eventually(
      async () => {
        const text = await metricsText();
        return sampleValue(text, 'cxprobe_probe_success', { target: 'genesys-api' }) === 0
          ? text
          : undefined;
      },
      30_000,
      'genesys-api to fail',
    );
    expect(
      sampleValue(failing, 'cxprobe_probes_total', {
        target: 'genesys-api',
        result: 'auth_failed',
      }),
    ).toBeGreaterThan(0);
    const truth = (await (await fetch(`${simUrl}/-/sim/truth`)).json()) as {
      endpoints: { genesys_oauth: { injected: { error: number } } };
    };
    expect(
      sampleValue(failing, 'cxprobe_oauth_token_requests_total', {
        credential: 'genesys-demo',
        result: 'auth_failed',
      }),
    ).toBe(truth.endpoints.genesys_oauth.injected.error);
    expect((await put({ endpoints: { genesys_oauth: { error_rate: 0 } } })).status).toBe(200);
    await eventually(
      async () =>
        sampleValue(await metricsText(), 'cxprobe_probe_success', { target: 'genesys-api' }) === 1,
      15_000,
      'genesys-api to recover',
    );
  }, 60_000);

  it('exposes exactly the committed metric families, types and label keys', async () => {
    const exposed = exposedSurface(await metricsText());
    const committed = readSurface();
    expect(exposed.map(({ name, type }) => `${name} ${type}`).sort()).toEqual(
      committed.map(({ name, type }) => `${name} ${type}`).sort(),
    );
    for (const family of exposed) {
      const keys = committed.find((entry) => entry.name === family.name)?.labels ?? [];
      expect(
        family.labels.filter((key) => !keys.includes(key)),
        family.name,
      ).toEqual([]);
    }
  });

  it('never shows a demo secret in /metrics, /config, the landing page or the logs', async () => {
    const surfaces = {
      metrics: await metricsText(),
      config: await (await fetch(`${base}/config`)).text(),
      landing: await (await fetch(`${base}/`)).text(),
      logs: stderr,
      stdout,
    };
    expect(surfaces.logs).toContain('level=debug');
    for (const [surface, text] of Object.entries(surfaces)) {
      for (const secret of SECRETS)
        expect({ surface, leaked: text.includes(secret) }).toEqual({ surface, leaked: false });
    }
  });

  it('reloads on SIGHUP and stops cleanly on SIGTERM', async () => {
    demo.kill('SIGHUP');
    await eventually(
      async () =>
        sampleValue(await metricsText(), 'cxprobe_config_reloads_total', { result: 'success' }) ===
        1,
      10_000,
      'the SIGHUP reload',
    );
    demo.kill('SIGTERM');
    const [code] = (await once(demo, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain('shutting down');
  });
});
