import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { tracingActive } from '../../src/tracing/setup.ts';
import { parseSamples, parseExemplars, sumOf } from '../support/exposition.ts';
import { SECRETS, writeConfig } from '../support/all-kinds-config.ts';
import {
  listeningPorts,
  startOtlpReceiver,
  withEnv,
  type OtlpReceiver,
} from '../support/tracing.ts';
import { eventually } from '../support/wait.ts';

/**
 * Tracing is off unless the environment configures it: no OTEL_* at all, or a configured
 * endpoint overruled by OTEL_SDK_DISABLED / OTEL_TRACES_EXPORTER=none, exports nothing, opens
 * no port and leaves the metrics without exemplars.
 */
describe.each([
  ['no OTEL_* variables', {}],
  ['OTEL_SDK_DISABLED=true', { OTEL_SDK_DISABLED: 'true' }],
  ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }],
])('tracing off: %s', (_name, otel: Record<string, string>) => {
  let simulator: RunningSimulator;
  let receiver: OtlpReceiver;
  let exporter: RunningExporter;
  let portsBefore: Set<number> | undefined;
  let portsDuring: Set<number> | undefined;
  let openMetrics = '';

  beforeAll(async () => {
    simulator = await startSimulator();
    receiver = await startOtlpReceiver();
    const configFile = await writeConfig(simulator.url);
    // Where spans would go if anything were exported (only set when a switch overrules it).
    const endpoint: Record<string, string> =
      Object.keys(otel).length === 0
        ? {}
        : {
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
            OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
            OTEL_BSP_SCHEDULE_DELAY: '50',
          };
    portsBefore = listeningPorts();
    exporter = await withEnv({ ...SECRETS, ...endpoint, ...otel }, () =>
      startExporter({
        configFile,
        listenAddress: '127.0.0.1:0',
        logger: pino({ level: 'silent' }),
      }),
    );
    const base = `http://127.0.0.1:${exporter.address.port}`;
    // Enough happened to have traced something: probes, pings, audio frames.
    openMetrics = await eventually(
      async () => {
        const text = await (
          await fetch(`${base}/metrics`, { headers: { accept: 'application/openmetrics-text' } })
        ).text();
        const count = (name: string) => sumOf(parseSamples(text), name);
        return count('cxprobe_http_request_duration_seconds_count') > 0 &&
          count('cxprobe_ws_ping_rtt_seconds_count') > 0 &&
          count('cxprobe_audio_interarrival_deviation_seconds_count') > 0
          ? text
          : undefined;
      },
      10_000,
      'probes, pings and audio',
    );
    portsDuring = listeningPorts();
    await exporter.stop();
  }, 30_000);

  afterAll(async () => {
    await exporter.stop();
    await receiver.close();
    await simulator.close();
  });

  it('starts no SDK and exports nothing', () => {
    expect(exporter.tracing.enabled).toBe(false);
    expect(tracingActive()).toBe(false);
    expect(receiver.payloads).toEqual([]);
    expect(receiver.rejected).toBe(0);
  });

  it('serves OpenMetrics without exemplars', () => {
    expect(parseExemplars(openMetrics)).toEqual([]);
    expect(openMetrics).not.toContain(' # {');
  });

  it('opens no port besides /metrics', () => {
    if (portsBefore === undefined || portsDuring === undefined) return; // no /proc here
    const added = [...portsDuring].filter((port) => !portsBefore?.has(port));
    expect(added).toEqual([exporter.address.port]);
  });
});
