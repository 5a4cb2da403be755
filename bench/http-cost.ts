/**
 * Cost: CPU per HTTP probe at 200 probes/s.
 *
 * A `cxprobe run` child process probes 200 `http` targets every second against a simulator in
 * another child process (health-check endpoint, 50 ms injected delay), so the exporter's CPU
 * time can be read from /proc/<pid>/stat on its own. After a warm-up, over a measured window:
 *
 * - CPU (user + system, all threads) of the exporter ÷ probes done (`cxprobe_probes_total`)
 *   → µs CPU per probe, and CPU as a share of one core;
 * - `nodejs_eventloop_lag_p99_seconds` from the exporter's /metrics, scraped every 15 s like a
 *   Prometheus server would (prom-client resets its event-loop histogram on every scrape, so
 *   each reading covers the 15 s since the previous one);
 * - RSS and peak RSS of the exporter.
 *
 * For comparison, the same load is then put on blackbox_exporter (if installed): the bench calls
 * its `/probe` 200 times a second and reads its CPU the same way.
 *
 * Usage: `npx tsx bench/http-cost.ts [--targets=200] [--seconds=60] [--warmup=10]`.
 */
import http from 'node:http';
import {
  blackboxVersion,
  describeMachine,
  fmtBytes,
  isMain,
  machine,
  numberFlag,
  numberedTargetsConfig,
  processCpuSeconds,
  processMemory,
  startBlackbox,
  startBenchExporter,
  startSimulatorProcess,
  summarize,
  table,
  type Machine,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';

const DELAY_MS = 50;
const HEALTH_PATH = '/api/v2/health/check';
const SCRAPE_EVERY_MS = 15_000;

export interface CostResult {
  machine: Machine;
  targets: number;
  windowSeconds: number;
  probes: number;
  failedProbes: number;
  probesPerSecond: number;
  cpuSeconds: number;
  cpuPerProbeUs: number;
  cpuShareOfCore: number;
  /** nodejs_eventloop_lag_p99_seconds of each 15 s scrape window, in ms (includes the 10 ms timer). */
  eventLoopP99Ms: number[];
  eventLoopMaxMs: number[];
  /** nodejs_heap_size_used_bytes at each scrape. */
  heapUsedBytes: number[];
  /** Duration of each 15 s scrape of /metrics (Prometheus text), ms. */
  scrapeMs: number[];
  rssBytes: number;
  peakRssBytes: number;
  simulatorCpuPerRequestUs: number;
  blackbox:
    | {
        version: string;
        probes: number;
        probesPerSecond: number;
        failed: number;
        cpuPerProbeUs: number;
        rssBytes: number;
      }
    | { unavailable: string };
  report: string;
}

function configFor(targets: number, url: string): string {
  return numberedTargetsConfig(['interval: 1s', 'timeout: 900ms'], targets, 'http', [
    'kind: http',
    `url: ${url}`,
  ]);
}

export async function runCost(
  targets = numberFlag('targets', 200),
  seconds = numberFlag('seconds', 60),
  warmupSeconds = numberFlag('warmup', 10),
): Promise<CostResult> {
  const info = machine();
  console.log(
    `# http-cost: ${String(targets)} http targets at 1 s, ${String(warmupSeconds)} s warm-up, ${String(seconds)} s measured`,
  );
  console.log(describeMachine(info));
  const simulator = await startSimulatorProcess({
    endpoints: { genesys_health_check: { latency: { fixed_ms: DELAY_MS, random_ms: 0 } } },
  });
  const url = `${simulator.url}${HEALTH_PATH}`;
  let exporter: Awaited<ReturnType<typeof startBenchExporter>> | undefined;
  try {
    exporter = await startBenchExporter(configFor(targets, url));
    const running = exporter;
    const scrapeMs: number[] = [];
    /** One scrape; only the HTTP exchange is timed, not the parsing in this process. */
    const scrape = async (timed: boolean) => {
      const started = performance.now();
      const answer = await running.scrape();
      if (timed) scrapeMs.push(performance.now() - started);
      return parseSamples(answer.body);
    };
    await sleep(warmupSeconds * 1000);

    const first = await scrape(false);
    const cpu0 = processCpuSeconds(exporter.pid);
    const sim0 = processCpuSeconds(simulator.pid);
    const simRequests0 = (await simulator.truth()).endpoints.genesys_health_check.requests;
    const t0 = performance.now();
    const eventLoopP99Ms: number[] = [];
    const eventLoopMaxMs: number[] = [];
    const heapUsedBytes: number[] = [];
    const deadline = t0 + seconds * 1000;
    let last = first;
    while (performance.now() < deadline) {
      await sleep(Math.min(SCRAPE_EVERY_MS, deadline - performance.now()));
      last = await scrape(true);
      eventLoopP99Ms.push(sumOf(last, 'nodejs_eventloop_lag_p99_seconds') * 1000);
      eventLoopMaxMs.push(sumOf(last, 'nodejs_eventloop_lag_max_seconds') * 1000);
      heapUsedBytes.push(sumOf(last, 'nodejs_heap_size_used_bytes'));
      console.log(
        `  ${String(Math.round((performance.now() - t0) / 1000))} s: event-loop p99 ${(eventLoopP99Ms.at(-1) ?? 0).toFixed(2)} ms`,
      );
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpuSeconds = processCpuSeconds(exporter.pid) - cpu0;
    const simCpu = processCpuSeconds(simulator.pid) - sim0;
    const simRequests =
      (await simulator.truth()).endpoints.genesys_health_check.requests - simRequests0;
    const memory = processMemory(exporter.pid);
    const probes = sumOf(last, 'cxprobe_probes_total') - sumOf(first, 'cxprobe_probes_total');
    const successes =
      sumOf(last, 'cxprobe_probes_total', { result: 'success' }) -
      sumOf(first, 'cxprobe_probes_total', { result: 'success' });
    await exporter.stop();
    exporter = undefined;

    const blackbox = await blackboxCost(url, targets, Math.min(30, seconds));

    const result: CostResult = {
      machine: info,
      targets,
      windowSeconds: elapsed,
      probes,
      failedProbes: probes - successes,
      probesPerSecond: probes / elapsed,
      cpuSeconds,
      cpuPerProbeUs: probes === 0 ? Number.NaN : (cpuSeconds / probes) * 1e6,
      cpuShareOfCore: cpuSeconds / elapsed,
      eventLoopP99Ms,
      eventLoopMaxMs,
      heapUsedBytes,
      scrapeMs,
      rssBytes: memory.rss,
      peakRssBytes: memory.peakRss,
      simulatorCpuPerRequestUs: simRequests === 0 ? Number.NaN : (simCpu / simRequests) * 1e6,
      blackbox,
      report: '',
    };
    result.report = formatReport(result);
    console.log(result.report);
    return result;
  } finally {
    await Promise.all([exporter?.stop(), simulator.stop()]);
  }
}

/** Drives blackbox_exporter's /probe at `rate` per second and reads its CPU. */
async function blackboxCost(
  target: string,
  rate: number,
  seconds: number,
): Promise<CostResult['blackbox']> {
  const version = blackboxVersion();
  if (version === undefined)
    return { unavailable: 'prometheus-blackbox-exporter is not installed' };
  console.log(`  blackbox_exporter ${version}: ${String(rate)} probes/s for ${String(seconds)} s`);
  const blackbox = await startBlackbox();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const probeUrl = `${blackbox.url}/probe?module=http_2xx&target=${encodeURIComponent(target)}`;
    let probes = 0;
    let failed = 0;
    const drive = async (durationMs: number, count: boolean) => {
      const inflight = new Set<Promise<void>>();
      const start = performance.now();
      // Each probe is fired at its slot on a fixed grid, so the rate does not drift.
      for (let slot = 0; ; slot++) {
        const at = start + (slot * 1000) / rate;
        if (at - start >= durationMs) break;
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        const probe = request(probeUrl, { agent }).then(
          (answer) => {
            if (!count) return;
            probes++;
            if (!/^probe_success 1$/m.test(answer.body)) failed++;
          },
          () => {
            if (count) failed++;
          },
        );
        inflight.add(probe);
        void probe.finally(() => inflight.delete(probe));
      }
      await Promise.all(inflight);
    };
    await drive(5_000, false);
    const cpu0 = processCpuSeconds(blackbox.pid);
    const t0 = performance.now();
    await drive(seconds * 1000, true);
    const elapsed = (performance.now() - t0) / 1000;
    const cpuSeconds = processCpuSeconds(blackbox.pid) - cpu0;
    return {
      version,
      probes,
      probesPerSecond: probes / elapsed,
      failed,
      cpuPerProbeUs: probes === 0 ? Number.NaN : (cpuSeconds / probes) * 1e6,
      rssBytes: processMemory(blackbox.pid).rss,
    };
  } finally {
    agent.destroy();
    await blackbox.stop();
  }
}

function formatReport(result: CostResult): string {
  const p99 = summarize(result.eventLoopP99Ms);
  const rows = [
    [
      `cxprobe (${String(result.targets)} targets at 1 s)`,
      result.probesPerSecond.toFixed(1),
      String(result.failedProbes),
      result.cpuPerProbeUs.toFixed(0),
      `${(result.cpuShareOfCore * 100).toFixed(1)} %`,
      fmtBytes(result.rssBytes),
    ],
  ];
  if (!('unavailable' in result.blackbox)) {
    const bb = result.blackbox;
    rows.push([
      `blackbox_exporter ${bb.version} (/probe driven at the same rate)`,
      bb.probesPerSecond.toFixed(1),
      String(bb.failed),
      bb.cpuPerProbeUs.toFixed(0),
      '',
      fmtBytes(bb.rssBytes),
    ]);
  }
  return [
    '',
    `measured ${result.windowSeconds.toFixed(1)} s: ${String(result.probes)} probes, ${result.cpuSeconds.toFixed(2)} CPU s`,
    '',
    table(['process', 'probes/s', 'failed', 'µs CPU / probe', 'CPU (of one core)', 'RSS'], rows),
    '',
    `event-loop delay p99 per 15 s scrape window (nodejs_eventloop_lag_p99_seconds, includes the 10 ms sampling timer): ${result.eventLoopP99Ms.map((ms) => ms.toFixed(2)).join(', ')} ms; median ${p99.median.toFixed(2)} ms → ≈ ${(p99.median - 10).toFixed(2)} ms of actual delay`,
    `event-loop delay max per window: ${result.eventLoopMaxMs.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    `GET /metrics (${String(result.targets)} targets) took: ${result.scrapeMs.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    `exporter heap used at each scrape: ${result.heapUsedBytes.map(fmtBytes).join(', ')}`,
    `exporter peak RSS ${fmtBytes(result.peakRssBytes)}; simulator CPU per request ${result.simulatorCpuPerRequestUs.toFixed(0)} µs`,
    'unavailable' in result.blackbox
      ? `blackbox_exporter: ${result.blackbox.unavailable}`
      : `blackbox_exporter: ${String(result.blackbox.probes)} probes, ${String(result.blackbox.failed)} failed`,
  ].join('\n');
}

if (isMain(import.meta.url)) await runCost();
