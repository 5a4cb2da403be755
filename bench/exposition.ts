/**
 * Exposition: how long does `GET /metrics` take, and how big is it, with 1,000 targets?
 *
 * Two views, both with the Prometheus text format and OpenMetrics (Accept header):
 *
 * 1. Live: a `cxprobe run` child process with 1,000 `http` targets (30 s interval) against a
 *    simulator child process; once every target has run at least once, `GET /metrics` is timed
 *    from the client 50 times per format, interleaved. Probes keep running meanwhile, as they
 *    would under a real Prometheus.
 * 2. Worst case, in process: the same 1,000 targets get one synthetic result each through
 *    metrics sink with every HTTP phase (including `tls`), a status code and a certificate
 *    expiry, so every per-target series exists; then the renderer behind `GET /metrics`
 *    (`Exposition` from src/metrics/exposition.ts) is timed directly — render cost only, no
 *    HTTP — 50 times per format.
 *
 * Usage: `npx tsx bench/exposition.ts [--targets=1000] [--scrapes=50]`.
 */
import http from 'node:http';
import { parseConfig } from '../src/config/load.ts';
import { BUILD } from '../src/version.ts';
import { createMetrics } from '../src/metrics/catalogue.ts';
import { Exposition } from '../src/metrics/exposition.ts';
import { MetricsSink } from '../src/sinks/metrics.ts';
import {
  describeMachine,
  fmtBytes,
  fmtMs,
  isMain,
  machine,
  numberFlag,
  numberedTargetsConfig,
  processMemory,
  startBenchExporter,
  startSimulatorProcess,
  summarize,
  table,
  type Machine,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';

const HEALTH_PATH = '/api/v2/health/check';

interface FormatFigures {
  time: Summary;
  bytes: number;
  samples: number;
}

interface View {
  prometheus: FormatFigures;
  openMetrics: FormatFigures;
  /**
   * Live only: latency of `GET /-/healthy` sent 5 ms after each scrape started, in ms. Rendering
   * blocks the event loop, so this is how long the exporter stalls — and how much a probe whose
   * answer arrives during a scrape is inflated.
   */
  duringScrape?: Summary;
  /** Live only: the same request with no scrape in flight, in ms. */
  idle?: Summary;
}

export interface ExpositionResult {
  machine: Machine;
  targets: number;
  scrapes: number;
  live: View & { probesBeforeScraping: number; targetsRun: number; rssBytes: number };
  synthetic: View;
  report: string;
}

function configFor(targets: number, url: string): string {
  return numberedTargetsConfig(['interval: 30s', 'timeout: 10s'], targets, 'http', [
    'kind: http',
    `url: ${url}`,
  ]);
}

/**
 * Times `scrape(openMetrics)` alternately, `count` times per format. With `ping`, also times a
 * ping sent 5 ms into every scrape, and one after it with nothing else in flight.
 */
async function timeScrapes(
  count: number,
  scrape: (openMetrics: boolean) => Promise<string>,
  ping?: () => Promise<number>,
): Promise<View> {
  const times = { prometheus: [] as number[], openMetrics: [] as number[] };
  const last = { prometheus: '', openMetrics: '' };
  const duringScrape: number[] = [];
  const idle: number[] = [];
  for (let index = 0; index < count * 2; index++) {
    // Alternate which format goes first, so neither always follows the other.
    const openMetrics = (index % 2 === 0) === (Math.floor(index / 2) % 2 === 0);
    const started = performance.now();
    const scraping = scrape(openMetrics);
    if (ping !== undefined) {
      await sleep(5);
      duringScrape.push(await ping());
    }
    const body = await scraping;
    const elapsed = performance.now() - started;
    const key = openMetrics ? 'openMetrics' : 'prometheus';
    times[key].push(elapsed);
    last[key] = body;
    if (ping !== undefined) idle.push(await ping());
  }
  const figures = (key: 'prometheus' | 'openMetrics'): FormatFigures => ({
    time: summarize(times[key]),
    bytes: Buffer.byteLength(last[key]),
    samples: parseSamples(last[key]).length,
  });
  return {
    prometheus: figures('prometheus'),
    openMetrics: figures('openMetrics'),
    ...(ping === undefined ? {} : { duringScrape: summarize(duringScrape), idle: summarize(idle) }),
  };
}

async function liveView(targets: number, scrapes: number): Promise<ExpositionResult['live']> {
  const simulator = await startSimulatorProcess();
  let exporter: Awaited<ReturnType<typeof startBenchExporter>> | undefined;
  try {
    exporter = await startBenchExporter(configFor(targets, `${simulator.url}${HEALTH_PATH}`));
    const running = exporter;
    // First runs are spread over the 30 s interval; wait until every target has run once.
    const deadline = Date.now() + 45_000;
    let targetsRun = 0;
    let probes = 0;
    for (;;) {
      await sleep(2_000);
      const samples = parseSamples((await running.scrape()).body);
      targetsRun = samples.filter(
        (sample) => sample.name === 'cxprobe_probe_last_run_timestamp_seconds',
      ).length;
      probes = sumOf(samples, 'cxprobe_probes_total');
      if (targetsRun >= targets || Date.now() > deadline) break;
    }
    console.log(`  live: ${String(targetsRun)} of ${String(targets)} targets have run`);
    // Pings use their own connection, so they never queue behind a scrape on the client side.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ping = async () => {
      const started = performance.now();
      await request(`${running.url}/-/healthy`, { agent });
      return performance.now() - started;
    };
    try {
      const view = await timeScrapes(
        scrapes,
        async (openMetrics) => (await running.scrape(openMetrics)).body,
        ping,
      );
      return {
        ...view,
        probesBeforeScraping: probes,
        targetsRun,
        rssBytes: processMemory(running.pid).rss,
      };
    } finally {
      agent.destroy();
    }
  } finally {
    await Promise.all([exporter?.stop(), simulator.stop()]);
  }
}

async function syntheticView(targets: number, scrapes: number): Promise<View> {
  const lines = ['targets:'];
  for (let index = 0; index < targets; index++)
    lines.push(
      `  - name: https-${String(index).padStart(4, '0')}`,
      '    kind: http',
      `    url: https://service-${String(index)}.example.com/api/v2/health/check`,
    );
  const config = await parseConfig(`${lines.join('\n')}\n`, 'bench-exposition.yml');
  const metrics = createMetrics(BUILD);
  const sink = new MetricsSink(metrics);
  const certExpiresAt = Date.now() / 1000 + 90 * 86_400;
  for (const target of config.targets) {
    const record = sink.addTarget(target, { mode: 'cycle', botTurns: false });
    const phases = {
      dns: 0.002,
      connect: 0.011,
      tls: 0.024,
      request: 0.0004,
      first_byte: 0.052,
      download: 0.0006,
      total: 0.09,
    };
    const result = {
      success: true,
      reason: 'success',
      durationSeconds: phases.total,
      phases,
      httpStatus: 200,
      certExpiresAt,
    } as const;
    record({ type: 'cycle_ended', result }, undefined);
  }
  sink.setTargetCounts(config.targets);
  // The renderer GET /metrics uses, minus HTTP.
  const exposition = new Exposition(metrics.registries);
  return timeScrapes(
    scrapes,
    async (wantOpenMetrics) =>
      (await exposition.render(wantOpenMetrics ? 'openmetrics' : 'prometheus')).body,
  );
}

export async function runExposition(
  targets = numberFlag('targets', 1000),
  scrapes = numberFlag('scrapes', 50),
): Promise<ExpositionResult> {
  const info = machine();
  console.log(`# exposition: ${String(targets)} targets, ${String(scrapes)} scrapes per format`);
  console.log(describeMachine(info));
  const live = await liveView(targets, scrapes);
  const synthetic = await syntheticView(targets, scrapes);
  const result: ExpositionResult = { machine: info, targets, scrapes, live, synthetic, report: '' };
  result.report = formatReport(result);
  console.log(result.report);
  return result;
}

function formatReport(result: ExpositionResult): string {
  const row = (label: string, figures: FormatFigures) => [
    label,
    fmtMs(figures.time.median),
    fmtMs(figures.time.p95),
    fmtMs(figures.time.max),
    fmtBytes(figures.bytes),
    String(figures.bytes),
    String(figures.samples),
  ];
  const { duringScrape, idle } = result.live;
  return [
    '',
    `live exporter: ${String(result.live.targetsRun)} targets had run (${String(result.live.probesBeforeScraping)} probes) before scraping; RSS after the scrapes ${fmtBytes(result.live.rssBytes)}`,
    `live GET /-/healthy sent 5 ms into a scrape: median ${fmtMs(duringScrape?.median ?? Number.NaN)} ms, max ${fmtMs(duringScrape?.max ?? Number.NaN)} ms; with no scrape in flight: median ${fmtMs(idle?.median ?? Number.NaN)} ms`,
    '',
    table(
      ['view / format', 'median ms', 'p95 ms', 'max ms', 'size', 'bytes', 'samples'],
      [
        row('live GET /metrics, Prometheus text', result.live.prometheus),
        row('live GET /metrics, OpenMetrics', result.live.openMetrics),
        row('synthetic render, Prometheus text', result.synthetic.prometheus),
        row('synthetic render, OpenMetrics', result.synthetic.openMetrics),
      ],
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) await runExposition();
