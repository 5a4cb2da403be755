/**
 * WebSocket footprint: what do 2,000 persistent `websocket` targets, each pinging once a second,
 * cost one exporter process?
 *
 * A `cxprobe run` child process gets a generated config with 2,000 `websocket` targets on the
 * simulator's `/ws/echo` (pong delay 20 ms ± 5 ms, `ping: {interval: 1s, timeout: 5s}`); the
 * simulator runs in its own process. First the same exporter with a single target runs for
 * 8 s, for the RSS a session adds. Once the simulator counts every session open, a warm-up
 * with no scrape at all gives the RSS of the sessions alone (every second). Then, over the
 * measured window, which starts with a scrape that checks `sum(cxprobe_ws_connected)` equals the
 * target count:
 *
 * - CPU (user + system, all threads) of the exporter from /proc/<pid>/stat, as a share of one
 *   core (the window's scrapes included, as under Prometheus);
 * - RSS every 5 s from /proc/<pid>/status, and the peak (VmHWM, since start);
 * - `nodejs_eventloop_lag_p99_seconds` / `_max_seconds` from /metrics, scraped every 15 s as
 *   Prometheus would (prom-client resets the histogram at each scrape, so each reading covers
 *   the 15 s before it; its values include the 10 ms period of prom-client's sampling timer,
 *   and cannot see the stall of the scrape that reads them);
 * - heap used at each scrape; pings done, lost, session closes.
 *
 * Then `GET /metrics` itself: 10 scrapes in a row (Prometheus text), timed from the client, the
 * body size and sample count, and — 5 ms into each — a `GET /-/healthy` on another connection,
 * to see how long the exporter stalls while it renders.
 *
 * Usage: `npx tsx bench/ws-footprint.ts [--targets=2000] [--seconds=60] [--warmup=10]`.
 */
import http from 'node:http';
import {
  describeMachine,
  checkOpenFileLimit,
  fmtBytes,
  fmtMs,
  isMain,
  machine,
  numberFlag,
  numberedTargetsConfig,
  processCpuSeconds,
  processMemory,
  startBenchExporter,
  startSimulatorProcess,
  summarize,
  table,
  type Machine,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf, type Sample } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';
import { type ExporterProcess } from '../test/support/exporter-process.ts';

const PONG_DELAY = { fixed_ms: 15, random_ms: 10 };
const SCRAPE_EVERY_MS = 15_000;
const RSS_EVERY_MS = 5_000;
/** prom-client's monitorEventLoopDelay resolution in the exporter (src/metrics/catalogue.ts). */
const EVENT_LOOP_RESOLUTION_MS = 10;
const TIMED_SCRAPES = 10;
/** How long the one-target exporter runs before its RSS is read. */
const BASELINE_SECONDS = 8;

export const GOALS = { cpuShare: 0.5, rssBytes: 300 * 1024 * 1024, eventLoopP99Ms: 10 };

export interface WsFootprintResult {
  machine: Machine;
  openFiles: { soft: number; hard: number };
  targets: number;
  /** Seconds from the exporter's start until every session was up. */
  connectSeconds: number;
  windowSeconds: number;
  /** Between the first and the last scrape of the window, over which pings are counted. */
  pingSeconds: number;
  cpuSeconds: number;
  cpuShare: number;
  /** sum(cxprobe_ws_connected) at the window's first scrape. */
  connected: number;
  /** RSS of the same exporter with a single session target, never scraped. */
  baselineRssBytes: number;
  /** RSS every second of the warm-up, before the exporter was ever scraped. */
  quietRssBytes: number[];
  /** Peak RSS (VmHWM) at the end of the warm-up: start, connects, sessions, no scrape. */
  quietPeakRssBytes: number;
  /** RSS every 5 s of the window (scraped every 15 s). */
  rssBytes: number[];
  /** Peak RSS at the end of the window. */
  windowPeakRssBytes: number;
  /** Peak RSS at the very end, after the back-to-back timed scrapes. */
  peakRssBytes: number;
  /** Samples per metric family in one scrape, largest first. */
  families: [string, number][];
  /** Per 15 s scrape window, ms, as read (including the 10 ms sampling period). */
  eventLoopP99Ms: number[];
  eventLoopMaxMs: number[];
  heapUsedBytes: number[];
  pings: number;
  pingsLost: number;
  closes: number;
  simulatorCpuShare: number;
  scrape: {
    time: Summary;
    bytes: number;
    samples: number;
    /** `GET /-/healthy` sent 5 ms into each timed scrape, ms. */
    healthyDuring: Summary;
    /** The same request with no scrape in flight, ms. */
    healthyIdle: Summary;
    /** Exporter CPU per scrape over the timed scrapes (background pinging included), ms. */
    cpuMsPerScrape: number;
  };
  report: string;
}

function configFor(targets: number, url: string): string {
  return numberedTargetsConfig(['timeout: 10s'], targets, 'ws', [
    'kind: websocket',
    `url: ${url}`,
    'ping: { interval: 1s, timeout: 5s }',
  ]);
}

function seriesPerFamily(samples: readonly Sample[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const { name } of samples) {
    const family = name.replace(/_(bucket|sum|count)$/, '');
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Latency of `GET /-/healthy` on its own connection, ms. */
async function healthy(url: string, agent: http.Agent): Promise<number> {
  const started = performance.now();
  await request(`${url}/-/healthy`, { agent });
  return performance.now() - started;
}

export async function runWsFootprint(
  targets = numberFlag('targets', 2_000),
  seconds = numberFlag('seconds', 60),
  warmupSeconds = numberFlag('warmup', 10),
): Promise<WsFootprintResult> {
  const info = machine();
  console.log(
    `# ws-footprint: ${String(targets)} websocket targets pinging every 1 s, ${String(warmupSeconds)} s warm-up, ${String(seconds)} s measured`,
  );
  console.log(describeMachine(info));
  const openFiles = checkOpenFileLimit(targets + 200);
  console.log(`open-file limits: soft ${String(openFiles.soft)}, hard ${String(openFiles.hard)}`);
  const simulator = await startSimulatorProcess({
    ws_endpoints: { ws_echo: { pong_delay: PONG_DELAY } },
  });
  let exporter: ExporterProcess | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // The same exporter with one session target, for what a session adds.
    const wsUrl = `${simulator.url.replace(/^http:/, 'ws:')}/ws/echo`;
    exporter = await startBenchExporter(configFor(1, wsUrl));
    await sleep(BASELINE_SECONDS * 1000);
    const baselineRssBytes = processMemory(exporter.pid).rss;
    await exporter.stop();
    console.log(`  one session target: RSS ${fmtBytes(baselineRssBytes)}`);

    const started = performance.now();
    exporter = await startBenchExporter(configFor(targets, wsUrl));
    const running = exporter;
    const scrapeMs: number[] = [];
    const scrape = async (): Promise<{ samples: Sample[]; bytes: number }> => {
      const begun = performance.now();
      const answer = await running.scrape();
      scrapeMs.push(performance.now() - begun);
      return { samples: parseSamples(answer.body), bytes: Buffer.byteLength(answer.body) };
    };

    // Every session open, as the simulator counts them (cheap to ask; a scrape is not).
    const deadline = performance.now() + 90_000;
    for (;;) {
      const open = (await simulator.truth()).ws_endpoints.ws_echo.sessions_open;
      if (open >= targets) break;
      if (performance.now() > deadline)
        throw new Error(`only ${String(open)} of ${String(targets)} sessions open after 90 s`);
      await sleep(1_000);
    }
    const connectSeconds = (performance.now() - started) / 1000;
    console.log(`  all ${String(targets)} sessions open after ${connectSeconds.toFixed(1)} s`);
    // Warm-up without any scrape: the footprint of the sessions alone.
    const quietRssBytes: number[] = [];
    const quietEnd = performance.now() + warmupSeconds * 1000;
    while (performance.now() < quietEnd) {
      await sleep(Math.min(1_000, Math.max(0, quietEnd - performance.now())));
      quietRssBytes.push(processMemory(exporter.pid).rss);
    }
    const quietPeakRssBytes = processMemory(exporter.pid).peakRss;

    // The measured window: /proc readings, and a scrape at its start, every 15 s and at its end
    // (the scrapes' CPU is in the window, as it would be under Prometheus).
    const cpu0 = processCpuSeconds(exporter.pid);
    const sim0 = processCpuSeconds(simulator.pid);
    const t0 = performance.now();
    scrapeMs.length = 0;
    const first = (await scrape()).samples;
    const connected = sumOf(first, 'cxprobe_ws_connected');
    console.log(`  first scrape: sum(cxprobe_ws_connected) = ${String(connected)}`);
    if (connected < targets)
      throw new Error(`the exporter reports ${String(connected)} of ${String(targets)} connected`);
    const families = seriesPerFamily(first);
    const end = t0 + seconds * 1000;
    const rssBytes: number[] = [processMemory(exporter.pid).rss];
    const eventLoopP99Ms: number[] = [];
    const eventLoopMaxMs: number[] = [];
    const heapUsedBytes: number[] = [];
    let nextScrape = t0 + SCRAPE_EVERY_MS;
    let last = first;
    let lastAt = t0;
    while (lastAt < end - 1_000) {
      await sleep(Math.max(0, Math.min(RSS_EVERY_MS, end - performance.now())));
      rssBytes.push(processMemory(exporter.pid).rss);
      // Every 15 s, and once more at the end of the window.
      if (performance.now() + 100 >= Math.min(nextScrape, end)) {
        nextScrape += SCRAPE_EVERY_MS;
        lastAt = performance.now();
        last = (await scrape()).samples;
        eventLoopP99Ms.push(sumOf(last, 'nodejs_eventloop_lag_p99_seconds') * 1000);
        eventLoopMaxMs.push(sumOf(last, 'nodejs_eventloop_lag_max_seconds') * 1000);
        heapUsedBytes.push(sumOf(last, 'nodejs_heap_size_used_bytes'));
        console.log(
          `  ${String(Math.round((performance.now() - t0) / 1000))} s: event-loop p99 ${(eventLoopP99Ms.at(-1) ?? 0).toFixed(2)} ms, RSS ${fmtBytes(rssBytes.at(-1) ?? 0)}`,
        );
      }
    }
    const cpuSeconds = processCpuSeconds(exporter.pid) - cpu0;
    const simCpu = processCpuSeconds(simulator.pid) - sim0;
    const windowSeconds = (performance.now() - t0) / 1000;
    const pingSeconds = (lastAt - t0) / 1000;
    const delta = (name: string, where: Record<string, string> = {}) =>
      sumOf(last, name, where) - sumOf(first, name, where);
    const windowScrapeMs = [...scrapeMs];
    const windowPeakRssBytes = processMemory(exporter.pid).peakRss;

    // GET /metrics itself, back to back, with a /-/healthy 5 ms into each.
    const idle: number[] = [];
    for (let index = 0; index < TIMED_SCRAPES; index++)
      idle.push(await healthy(running.url, agent));
    const during: number[] = [];
    scrapeMs.length = 0;
    let bytes = 0;
    let samples = 0;
    const cpuScrapes0 = processCpuSeconds(exporter.pid);
    for (let index = 0; index < TIMED_SCRAPES; index++) {
      const scraping = scrape();
      await sleep(5);
      during.push(await healthy(running.url, agent));
      const answer = await scraping;
      bytes = answer.bytes;
      samples = answer.samples.length;
      await sleep(200);
    }
    const cpuMsPerScrape = ((processCpuSeconds(exporter.pid) - cpuScrapes0) * 1000) / TIMED_SCRAPES;
    const memory = processMemory(exporter.pid);

    const result: WsFootprintResult = {
      machine: info,
      openFiles,
      targets,
      connectSeconds,
      windowSeconds,
      pingSeconds,
      cpuSeconds,
      cpuShare: cpuSeconds / windowSeconds,
      connected,
      baselineRssBytes,
      quietRssBytes,
      quietPeakRssBytes,
      rssBytes,
      windowPeakRssBytes,
      peakRssBytes: memory.peakRss,
      families,
      eventLoopP99Ms,
      eventLoopMaxMs,
      heapUsedBytes,
      pings: delta('cxprobe_ws_ping_rtt_seconds_count', { layer: 'control' }),
      pingsLost: delta('cxprobe_ws_pings_lost_total'),
      closes: delta('cxprobe_ws_closes_total'),
      simulatorCpuShare: simCpu / windowSeconds,
      scrape: {
        time: summarize(scrapeMs),
        bytes,
        samples,
        healthyDuring: summarize(during),
        healthyIdle: summarize(idle),
        cpuMsPerScrape,
      },
      report: '',
    };
    result.report = formatReport(result, windowScrapeMs);
    console.log(result.report);
    return result;
  } finally {
    agent.destroy();
    await Promise.all([exporter?.stop(), simulator.stop()]);
  }
}

/** The actual event-loop delay: prom-client's reading minus its sampling period. */
export function eventLoopDelayMs(readingMs: number): number {
  return readingMs - EVENT_LOOP_RESOLUTION_MS;
}

function formatReport(result: WsFootprintResult, windowScrapeMs: number[]): string {
  const rss = summarize(result.rssBytes);
  const quiet = summarize(result.quietRssBytes);
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  const p99 = summarize(result.eventLoopP99Ms);
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const rows = [
    [
      'CPU, share of one core',
      `${(result.cpuShare * 100).toFixed(1)} %`,
      `≤ ${String(GOALS.cpuShare * 100)} %`,
      met(result.cpuShare <= GOALS.cpuShare),
    ],
    [
      'RSS before any scrape: max of 1 s readings (peak since start)',
      `${fmtBytes(quiet.max)} (${fmtBytes(result.quietPeakRssBytes)})`,
      `≤ ${fmtBytes(GOALS.rssBytes)}`,
      met(result.quietPeakRssBytes <= GOALS.rssBytes),
    ],
    [
      'RSS scraped every 15 s: max of 5 s readings (peak since start)',
      `${fmtBytes(rss.max)} (${fmtBytes(result.windowPeakRssBytes)})`,
      `≤ ${fmtBytes(GOALS.rssBytes)}`,
      met(result.windowPeakRssBytes <= GOALS.rssBytes),
    ],
    [
      'event-loop delay p99, worst 15 s window (reading − 10 ms)',
      `${fmtMs(eventLoopDelayMs(p99.max))} ms`,
      `≤ ${String(GOALS.eventLoopP99Ms)} ms`,
      met(eventLoopDelayMs(p99.max) <= GOALS.eventLoopP99Ms),
    ],
  ];
  return [
    '',
    `${String(result.pings)} pings in ${result.pingSeconds.toFixed(1)} s (${(result.pings / result.pingSeconds).toFixed(0)}/s), ${String(result.pingsLost)} lost, ${String(result.closes)} session closes; ${result.cpuSeconds.toFixed(2)} CPU s in ${result.windowSeconds.toFixed(1)} s → ${((result.cpuSeconds / result.windowSeconds / Math.max(1, result.pings / result.pingSeconds)) * 1e6).toFixed(0)} µs per ping (scrapes included)`,
    `all ${String(result.targets)} sessions open ${result.connectSeconds.toFixed(1)} s after the exporter was started; sum(cxprobe_ws_connected) ${String(result.connected)}`,
    '',
    table(['figure', 'value', 'goal', ''], rows),
    '',
    `RSS every 1 s of the warm-up, never scraped: ${result.quietRssBytes.map(mib).join(', ')} MiB; with one session target ${fmtBytes(result.baselineRssBytes)} → ≈ ${((quiet.median - result.baselineRssBytes) / 1024 / Math.max(1, result.targets - 1)).toFixed(0)} KiB per session`,
    `RSS every 5 s of the window: ${result.rssBytes.map(mib).join(', ')} MiB; peak after the back-to-back scrapes ${fmtBytes(result.peakRssBytes)}`,
    `samples per family (of ${String(result.families.reduce((total, [, count]) => total + count, 0))}): ${result.families
      .slice(0, 6)
      .map(([family, count]) => `${family} ${String(count)}`)
      .join(', ')}`,
    `nodejs_eventloop_lag_p99_seconds per 15 s window (as read, incl. the 10 ms timer): ${result.eventLoopP99Ms.map((ms) => ms.toFixed(2)).join(', ')} ms; max per window ${result.eventLoopMaxMs.map((ms) => ms.toFixed(1)).join(', ')} ms`,
    `heap used at each scrape: ${result.heapUsedBytes.map(fmtBytes).join(', ')}`,
    `scrapes in the window took ${windowScrapeMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    `GET /metrics with ${String(result.targets)} session targets, ${String(TIMED_SCRAPES)} in a row: median ${fmtMs(result.scrape.time.median)} ms, p95 ${fmtMs(result.scrape.time.p95)} ms, max ${fmtMs(result.scrape.time.max)} ms; ${fmtBytes(result.scrape.bytes)}, ${String(result.scrape.samples)} samples; exporter CPU ${result.scrape.cpuMsPerScrape.toFixed(0)} ms per scrape (background pinging included)`,
    `GET /-/healthy 5 ms into a scrape: median ${fmtMs(result.scrape.healthyDuring.median)} ms (max ${fmtMs(result.scrape.healthyDuring.max)}); idle: median ${fmtMs(result.scrape.healthyIdle.median)} ms`,
    `simulator CPU ${(result.simulatorCpuShare * 100).toFixed(1)} % of a core`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runWsFootprint();
}
