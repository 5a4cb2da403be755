/**
 * WebSocket fidelity: how close is the ping RTT cxprobe reports to the pong delay the server
 * really applied, with 1 and with 2,000 concurrent connections?
 *
 * The simulator's `/ws/echo` answers every RFC 6455 ping after a `pong_delay` draw of 20 ms ± 5 ms
 * (`fixed_ms: 15` + a uniform integer in [0, 10]) and records every delay it applied
 * (`GET /-/sim/ws/pong-delays`). Per configuration, three clients run side by side for the same
 * window, each against its own simulator process (so each client is compared with exactly the
 * delays applied to it, and every process's CPU is its own), every connection pinging once a
 * second:
 *
 * - `raw` — the baseline: a minimal `ws` client in its own process (`node -e`) that pings with
 *   a unique payload and times the matching pong with performance.now();
 * - `cxprobe code path` — `connectWebSocket` + `controlPinger` (src/probers/session), the code
 *   the `websocket` prober runs, in its own process (this file with `--role=cxprobe-client`),
 *   with an event pipeline that keeps every `ping` event: cxprobe's exact RTTs;
 * - `exporter` — a `cxprobe run` child process with one `websocket` target per connection; what
 *   it reports is the histogram `cxprobe_ws_ping_rtt_seconds{layer="control"}`, scraped every
 *   15 s as Prometheus would. p50/p95 come from `histogram_quantile`-style interpolation of the
 *   bucket increase over the window, the mean from `_sum/_count` (exact).
 *
 * The raw client and the cxprobe code path start connection i's pings i/N of an interval after
 * it opens, so their pings are spread evenly over each second (the same load for both); the
 * exporter starts every session's pings as soon as it is open, as it does in production.
 *
 * The cxprobe code path's exact RTTs are also put through the exporter's buckets and through
 * 1 ms buckets, to separate the interpolation error from the measurement error. With one
 * connection, each RTT is also paired with the delay applied to that very ping.
 *
 * Usage: `npx tsx bench/ws-fidelity.ts [--connections=1,2000] [--seconds=60] [--warmup=10]`.
 */
import { fileURLToPath } from 'node:url';
import { PING_RTT_BUCKETS } from '../src/metrics/catalogue.ts';
import { controlPinger } from '../src/probers/session/pingers.ts';
import type { Emit } from '../src/events/probe-event.ts';
import { connectWebSocket } from '../src/probers/session/ws-connect.ts';
import {
  bucketDelta,
  bucketize,
  describeMachine,
  checkOpenFileLimit,
  fmtMs,
  histogramBuckets,
  histogramQuantile,
  isMain,
  machine,
  numberFlag,
  processCpuSeconds,
  spawnIpcChild,
  startBenchExporter,
  startSimulatorProcess,
  summarize,
  table,
  type Bucket,
  type IpcChild,
  type Machine,
  type SimulatorProcess,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf, type Sample } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';
import { type ExporterProcess } from '../test/support/exporter-process.ts';

const PONG_DELAY = { fixed_ms: 15, random_ms: 10 };
const PING_INTERVAL_MS = 1_000;
const PING_TIMEOUT_MS = 5_000;
const SCRAPE_EVERY_MS = 15_000;
const RTT_METRIC = 'cxprobe_ws_ping_rtt_seconds';
/** The goal: reported p50 and p95 within this much of the applied delays. */
export const GOAL_MS = 0.5;
/** 1 ms buckets from 1 to 60 ms: what finer buckets would give. */
const FINE_BUCKETS = Array.from({ length: 60 }, (_, index) => (index + 1) / 1000);

// ---------------------------------------------------------------------------------------------
// The two clients, each run in its own process and driven over IPC

interface ClientReply {
  id: number;
  open: number;
  failed: number;
  closed: number;
  lost: number;
  /** RTTs of pongs received since `start`, ms; only in the answer to `stop`. */
  rtts: number[];
}

/** Plain CommonJS for `node -e`: N `ws` connections, each pinging on its own 1 s interval. */
const RAW_WS_CLIENT = `
const WebSocket = require('ws');
const [url, countArg, intervalArg, timeoutArg] = process.argv.slice(1);
const pendings = [];
let open = 0, failed = 0, closed = 0, recording = false, rtts = [];
for (let index = 0; index < Number(countArg); index++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const pending = new Map();
  pendings.push(pending);
  let sequence = 0;
  let timer;
  ws.on('open', () => {
    open++;
    const ping = () => {
      const id = 'raw-' + index + '-' + ++sequence;
      pending.set(id, performance.now());
      ws.ping(id);
    };
    // Connection i starts at i/N of the interval: the pings are spread evenly over the second.
    setTimeout(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ping();
      timer = setInterval(ping, Number(intervalArg));
    }, (index / Number(countArg)) * Number(intervalArg));
  });
  ws.on('pong', (data) => {
    const now = performance.now();
    const id = data.toString();
    const sent = pending.get(id);
    if (sent === undefined) return;
    pending.delete(id);
    if (recording) rtts.push(now - sent);
  });
  ws.on('error', () => { failed++; });
  ws.on('close', () => { closed++; clearInterval(timer); });
}
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, command }) => {
  if (command === 'start') { rtts = []; recording = true; }
  if (command === 'stop') recording = false;
  const now = performance.now();
  let lost = 0;
  for (const pending of pendings)
    for (const sent of pending.values()) if (now - sent > Number(timeoutArg)) lost++;
  process.send({ id, open, failed, closed, lost, rtts: command === 'stop' ? rtts : [] });
});
`;

/** The cxprobe side: connectWebSocket + controlPinger, exactly as the websocket prober uses them. */
function runCxprobeClient(url: string, count: number): void {
  let open = 0;
  let failed = 0;
  let closed = 0;
  let lost = 0;
  let recording = false;
  let rtts: number[] = [];
  const emit: Emit = (event) => {
    if (event.type === 'ping' && recording && event.layer === 'control')
      rtts.push(event.rttSeconds * 1000);
    else if (event.type === 'ping_lost') lost++;
  };
  const controller = new AbortController();
  for (let index = 0; index < count; index++) {
    connectWebSocket({ url, timeoutMs: 10_000, signal: controller.signal }).then(
      ({ socket }) => {
        open++;
        const pinger = controlPinger(
          socket,
          { intervalMs: PING_INTERVAL_MS, timeoutMs: PING_TIMEOUT_MS },
          emit,
          () => {
            socket.terminate();
          },
        );
        socket.on('error', () => undefined);
        // Started at i/N of the interval, like the raw client: pings spread evenly.
        const start = setTimeout(
          () => {
            pinger.start();
          },
          (index / count) * PING_INTERVAL_MS,
        );
        socket.once('close', () => {
          closed++;
          clearTimeout(start);
          pinger.stop();
        });
      },
      () => {
        failed++;
      },
    );
  }
  process.on('disconnect', () => process.exit(0));
  process.on('message', ({ id, command }: { id: number; command: string }) => {
    if (command === 'start') {
      rtts = [];
      recording = true;
    }
    if (command === 'stop') recording = false;
    const reply: ClientReply = {
      id,
      open,
      failed,
      closed,
      lost,
      rtts: command === 'stop' ? rtts : [],
    };
    process.send?.(reply);
  });
}

function startRawClient(url: string, count: number): IpcChild {
  return spawnIpcChild([
    '-e',
    RAW_WS_CLIENT,
    url,
    String(count),
    String(PING_INTERVAL_MS),
    String(PING_TIMEOUT_MS),
  ]);
}

function startCxprobeClient(url: string, count: number): IpcChild {
  return spawnIpcChild([
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--role=cxprobe-client',
    url,
    String(count),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Results

export interface Percentiles {
  p50: number;
  p95: number;
}

export interface ClientFigures {
  /** Share of the pings whose RTT exceeded 50 ms (two bucket widths above the largest delay). */
  over50ms: number;
  /** The simulator's record of the delays applied to this client's pings, ms. */
  applied: Summary;
  /** Pongs received by the client in the window. */
  pings: number;
  /** Pings never answered within 5 s (or skipped) during the run. */
  lost: number;
  /** CPU of the client's process over the window, share of one core. */
  cpuShare: number;
  /** CPU of its simulator process over the window, share of one core. */
  simulatorCpuShare: number;
}

/** One connection only: each ping's RTT minus the delay applied to that very ping, ms. */
export interface Paired {
  paired: Summary | undefined;
}

export interface ConnectionsResult {
  connections: number;
  windowSeconds: number;
  /** Seconds from start until every connection of every client was open. */
  connectSeconds: number;
  raw: ClientFigures & Paired & { rtt: Summary };
  exact: ClientFigures &
    Paired & {
      rtt: Summary;
      /** The exact RTTs put through the exporter's buckets, then interpolated. */
      inExporterBuckets: Percentiles;
      /** The exact RTTs put through 1 ms buckets, then interpolated. */
      inFineBuckets: Percentiles;
    };
  exporter: ClientFigures & {
    /** histogram_quantile over the bucket increase in the window. */
    interpolated: Percentiles;
    /** _sum / _count over the window, ms. */
    mean: number;
    /** Increase of each bucket in the window. */
    buckets: Bucket[];
    /** Duration of each scrape in the window, ms. */
    scrapeMs: number[];
    closes: number;
  };
}

export interface WsFidelityResult {
  machine: Machine;
  openFiles: { soft: number; hard: number };
  configurations: ConnectionsResult[];
  report: string;
}

// ---------------------------------------------------------------------------------------------
// The run

function exporterConfig(connections: number, url: string): string {
  const lines = ['global:', '  timeout: 10s', 'targets:'];
  for (let index = 0; index < connections; index++)
    lines.push(
      `  - name: ws-${String(index).padStart(4, '0')}`,
      '    kind: websocket',
      `    url: ${url}`,
      `    ping: { interval: ${String(PING_INTERVAL_MS)}ms, timeout: ${String(PING_TIMEOUT_MS)}ms }`,
    );
  return `${lines.join('\n')}\n`;
}

async function appliedDelays(simulator: SimulatorProcess): Promise<number[]> {
  const answer = await request(
    `${simulator.url}/-/sim/ws/pong-delays?endpoint=ws_echo&layer=control`,
  );
  return (JSON.parse(answer.body) as { values_ms: number[] }).values_ms;
}

/**
 * With one connection the pings are sequential, so the client's RTTs and the simulator's record
 * are the same pings in the same order, give or take one at either edge of the window: the
 * alignment (shift) whose differences vary least is used.
 */
function pairedErrors(rtts: readonly number[], applied: readonly number[]): Summary | undefined {
  let best: { variance: number; errors: number[] } | undefined;
  for (let shift = -3; shift <= 3; shift++) {
    const errors: number[] = [];
    rtts.forEach((rtt, index) => {
      const delay = applied[index + shift];
      if (delay !== undefined) errors.push(rtt - delay);
    });
    if (errors.length === 0 || errors.length < rtts.length - 6) continue;
    const mean = errors.reduce((total, value) => total + value, 0) / errors.length;
    const variance =
      errors.reduce((total, value) => total + (value - mean) ** 2, 0) / errors.length;
    if (best === undefined || variance < best.variance) best = { variance, errors };
  }
  return best === undefined ? undefined : summarize(best.errors);
}

function shareOver(values: readonly number[], limit: number): number {
  return values.length === 0
    ? Number.NaN
    : values.filter((value) => value > limit).length / values.length;
}

async function sessionsOpen(simulator: SimulatorProcess): Promise<number> {
  return (await simulator.truth()).ws_endpoints.ws_echo.sessions_open;
}

async function runConnections(
  connections: number,
  seconds: number,
  warmupSeconds: number,
): Promise<ConnectionsResult> {
  console.log(
    `\n## ${String(connections)} connection(s) per client: ${String(warmupSeconds)} s warm-up, ${String(seconds)} s measured`,
  );
  const faults = { ws_endpoints: { ws_echo: { pong_delay: PONG_DELAY } } };
  const sims: SimulatorProcess[] = [];
  let raw: IpcChild | undefined;
  let exact: IpcChild | undefined;
  let exporter: ExporterProcess | undefined;
  try {
    for (let index = 0; index < 3; index++) sims.push(await startSimulatorProcess(faults));
    const [simRaw, simExact, simExporter] = sims as [
      SimulatorProcess,
      SimulatorProcess,
      SimulatorProcess,
    ];
    const wsUrl = (simulator: SimulatorProcess) =>
      `${simulator.url.replace(/^http:/, 'ws:')}/ws/echo`;
    const started = performance.now();
    raw = startRawClient(wsUrl(simRaw), connections);
    exact = startCxprobeClient(wsUrl(simExact), connections);
    exporter = await startBenchExporter(exporterConfig(connections, wsUrl(simExporter)));
    const running = { raw, exact, exporter };

    // Every connection of every client open, as the simulators count them.
    const deadline = performance.now() + 90_000;
    for (;;) {
      const open = await Promise.all(sims.map(sessionsOpen));
      if (open.every((count) => count >= connections)) break;
      if (performance.now() > deadline)
        throw new Error(
          `not all connected after 90 s: sessions open ${open.join(', ')}\nraw: ${raw.output()}\ncxprobe client: ${exact.output()}`,
        );
      await sleep(1_000);
    }
    const connectSeconds = (performance.now() - started) / 1000;
    const scrape = async (scrapeMs?: number[]): Promise<Sample[]> => {
      const begun = performance.now();
      const answer = await running.exporter.scrape();
      scrapeMs?.push(performance.now() - begun);
      return parseSamples(answer.body);
    };
    const connected = sumOf(await scrape(), 'cxprobe_ws_connected');
    console.log(
      `  all ${String(3 * connections)} connections open after ${connectSeconds.toFixed(1)} s (exporter: cxprobe_ws_connected sum ${String(connected)})`,
    );
    await sleep(warmupSeconds * 1000);

    // Window start: forget the applied delays, start recording, first scrape.
    const pids = [raw.pid, exact.pid, exporter.pid, ...sims.map((simulator) => simulator.pid)];
    await Promise.all(sims.map((simulator) => simulator.resetTruth()));
    await Promise.all([raw.ask({ command: 'start' }), exact.ask({ command: 'start' })]);
    const cpu0 = pids.map(processCpuSeconds);
    const t0 = performance.now();
    const scrapeMs: number[] = [];
    const first = await scrape(scrapeMs);
    const end = t0 + seconds * 1000;
    let last = first;
    while (performance.now() < end) {
      await sleep(Math.max(0, Math.min(SCRAPE_EVERY_MS, end - performance.now())));
      last = await scrape(scrapeMs);
    }
    const [rawReply, exactReply] = await Promise.all([
      raw.ask<ClientReply>({ command: 'stop' }),
      exact.ask<ClientReply>({ command: 'stop' }),
    ]);
    const windowSeconds = (performance.now() - t0) / 1000;
    const cpu = pids.map(
      (pid, index) => (processCpuSeconds(pid) - (cpu0[index] ?? 0)) / windowSeconds,
    );
    const [appliedRaw, appliedExact, appliedExporter] = await Promise.all(sims.map(appliedDelays));
    if ([appliedRaw, appliedExact, appliedExporter].some((list) => (list?.length ?? 0) >= 200_000))
      console.log(
        '  warning: a simulator kept 200,000 delays, its capacity: the oldest were dropped; use fewer connections × seconds',
      );

    const buckets = bucketDelta(
      histogramBuckets(last, RTT_METRIC, { layer: 'control' }),
      histogramBuckets(first, RTT_METRIC, { layer: 'control' }),
    );
    const count = buckets.at(-1)?.count ?? 0;
    const sum =
      sumOf(last, `${RTT_METRIC}_sum`, { layer: 'control' }) -
      sumOf(first, `${RTT_METRIC}_sum`, { layer: 'control' });
    const interpolate = (values: Bucket[]): Percentiles => ({
      p50: histogramQuantile(0.5, values) * 1000,
      p95: histogramQuantile(0.95, values) * 1000,
    });
    const exactRtts = exactReply.rtts;
    const exactSeconds = exactRtts.map((ms) => ms / 1000);
    const [cpuRaw, cpuExact, cpuExporter, cpuSimRaw, cpuSimExact, cpuSimExporter] = cpu as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return {
      connections,
      windowSeconds,
      connectSeconds,
      raw: {
        applied: summarize(appliedRaw ?? []),
        rtt: summarize(rawReply.rtts),
        pings: rawReply.rtts.length,
        over50ms: shareOver(rawReply.rtts, 50),
        lost: rawReply.lost,
        cpuShare: cpuRaw,
        simulatorCpuShare: cpuSimRaw,
        paired: connections === 1 ? pairedErrors(rawReply.rtts, appliedRaw ?? []) : undefined,
      },
      exact: {
        applied: summarize(appliedExact ?? []),
        rtt: summarize(exactRtts),
        pings: exactRtts.length,
        over50ms: shareOver(exactRtts, 50),
        lost: exactReply.lost,
        cpuShare: cpuExact,
        simulatorCpuShare: cpuSimExact,
        paired: connections === 1 ? pairedErrors(exactRtts, appliedExact ?? []) : undefined,
        inExporterBuckets: interpolate(bucketize(exactSeconds, PING_RTT_BUCKETS)),
        inFineBuckets: interpolate(bucketize(exactSeconds, FINE_BUCKETS)),
      },
      exporter: {
        applied: summarize(appliedExporter ?? []),
        pings: count,
        over50ms:
          count === 0
            ? Number.NaN
            : 1 - (buckets.find((bucket) => bucket.le === 0.05)?.count ?? Number.NaN) / count,
        lost: sumOf(last, 'cxprobe_ws_pings_lost_total', { layer: 'control' }),
        cpuShare: cpuExporter,
        simulatorCpuShare: cpuSimExporter,
        interpolated: interpolate(buckets),
        mean: count === 0 ? Number.NaN : (sum / count) * 1000,
        buckets,
        scrapeMs,
        closes: sumOf(last, 'cxprobe_ws_closes_total'),
      },
    };
  } finally {
    await Promise.all([
      raw?.stop(),
      exact?.stop(),
      exporter?.stop(),
      ...sims.map((simulator) => simulator.stop()),
    ]);
  }
}

export async function runWsFidelity(
  connectionCounts = listFlag('connections', [1, 2_000]),
  seconds = numberFlag('seconds', 60),
  warmupSeconds = numberFlag('warmup', 10),
): Promise<WsFidelityResult> {
  const info = machine();
  console.log(
    `# ws-fidelity: pong delay ${String(PONG_DELAY.fixed_ms)} ms + U{0..${String(PONG_DELAY.random_ms)}} ms, pings every ${String(PING_INTERVAL_MS)} ms, connections ${connectionCounts.join(' / ')}`,
  );
  console.log(describeMachine(info));
  // Each client and simulator process holds up to this many sockets.
  const openFiles = checkOpenFileLimit(Math.max(...connectionCounts) + 200);
  console.log(`open-file limits: soft ${String(openFiles.soft)}, hard ${String(openFiles.hard)}`);
  const configurations: ConnectionsResult[] = [];
  for (const connections of connectionCounts) {
    const result = await runConnections(connections, seconds, warmupSeconds);
    console.log(formatConnections(result));
    configurations.push(result);
  }
  const result: WsFidelityResult = { machine: info, openFiles, configurations, report: '' };
  result.report = configurations.map(formatConnections).join('\n\n');
  return result;
}

function listFlag(name: string, fallback: number[]): number[] {
  const prefix = `--${name}=`;
  const arg = process.argv.find((value) => value.startsWith(prefix));
  if (arg === undefined) return fallback;
  const values = arg
    .slice(prefix.length)
    .split(',')
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 0);
  return values.length === 0 ? fallback : values;
}

// ---------------------------------------------------------------------------------------------
// Report

const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${fmtMs(ms)}`;

function pairedLine(name: string, paired: Summary | undefined): string[] {
  if (paired === undefined) return [];
  return [
    `${name}: per-ping RTT − the delay applied to that ping (paired, n ${String(paired.n)}): min ${fmtMs(paired.min)}, median ${fmtMs(paired.median)}, p95 ${fmtMs(paired.p95)}, max ${fmtMs(paired.max)} ms`,
  ];
}

function formatConnections(result: ConnectionsResult): string {
  const { raw, exact, exporter } = result;
  /** The baseline's own error: what loopback, ws and the simulator's timers add. */
  const rawError = {
    p50: raw.rtt.median - raw.applied.median,
    p95: raw.rtt.p95 - raw.applied.p95,
  };
  const row = (
    name: string,
    pings: number,
    applied: Summary,
    reported: Percentiles,
    mean: number,
  ): string[] => [
    name,
    String(pings),
    `${fmtMs(applied.median)} / ${fmtMs(applied.p95)}`,
    `${fmtMs(reported.p50)} / ${fmtMs(reported.p95)}`,
    `${signed(reported.p50 - applied.median)} / ${signed(reported.p95 - applied.p95)}`,
    `${signed(reported.p50 - applied.median - rawError.p50)} / ${signed(reported.p95 - applied.p95 - rawError.p95)}`,
    `${fmtMs(mean)} (${signed(mean - applied.mean)})`,
  ];
  const percentiles = (summary: Summary): Percentiles => ({
    p50: summary.median,
    p95: summary.p95,
  });
  const rows = [
    row('raw `ws` client (baseline)', raw.pings, raw.applied, percentiles(raw.rtt), raw.rtt.mean),
    row(
      'cxprobe code path, exact RTTs',
      exact.pings,
      exact.applied,
      percentiles(exact.rtt),
      exact.rtt.mean,
    ),
    row(
      'cxprobe code path, interpolated in the exporter buckets',
      exact.pings,
      exact.applied,
      exact.inExporterBuckets,
      exact.rtt.mean,
    ),
    row(
      'cxprobe code path, interpolated in 1 ms buckets',
      exact.pings,
      exact.applied,
      exact.inFineBuckets,
      exact.rtt.mean,
    ),
    row(
      'exporter histogram, `histogram_quantile` (_sum/_count for the mean)',
      exporter.pings,
      exporter.applied,
      exporter.interpolated,
      exporter.mean,
    ),
  ];
  const share = (value: number) => `${(value * 100).toFixed(1)} %`;
  const percent = (value: number) => `${(value * 100).toFixed(2)} %`;
  const bucketLine = exporter.buckets
    .filter((bucket) => bucket.le >= 0.01 && bucket.le <= 0.05)
    .map((bucket) => `≤${String(bucket.le * 1000)} ms: ${String(bucket.count)}`)
    .join(', ');
  const within = (ms: number) => Math.abs(ms) <= GOAL_MS;
  const verdict = (reported: Percentiles, applied: Summary) =>
    within(reported.p50 - applied.median) && within(reported.p95 - applied.p95) ? 'met' : 'not met';
  return [
    `### ${String(result.connections)} connection(s) per client, ${result.windowSeconds.toFixed(1)} s window`,
    '',
    table(
      [
        'client',
        'pings',
        'applied p50 / p95',
        'reported p50 / p95',
        'Δ vs applied',
        'Δ − raw client’s Δ',
        'mean (Δ vs applied)',
      ],
      rows,
    ),
    '',
    ...pairedLine('raw client', raw.paired),
    ...pairedLine('cxprobe code path', exact.paired),
    `all connections open after ${result.connectSeconds.toFixed(1)} s; pings lost: raw ${String(raw.lost)}, cxprobe code path ${String(exact.lost)}, exporter ${String(exporter.lost)} (closes ${String(exporter.closes)})`,
    `goal (p50 and p95 within ${String(GOAL_MS)} ms of applied): raw ${verdict(percentiles(raw.rtt), raw.applied)}, cxprobe exact ${verdict(percentiles(exact.rtt), exact.applied)}, exporter histogram ${verdict(exporter.interpolated, exporter.applied)}`,
    `CPU (share of one core): raw client ${share(raw.cpuShare)}, cxprobe code path ${share(exact.cpuShare)}, exporter ${share(exporter.cpuShare)}; their simulators ${share(raw.simulatorCpuShare)}, ${share(exact.simulatorCpuShare)}, ${share(exporter.simulatorCpuShare)}`,
    `share of pings over 50 ms (scrape stalls, bursts): raw ${percent(raw.over50ms)}, cxprobe code path ${percent(exact.over50ms)}, exporter ${percent(exporter.over50ms)}`,
    `exporter scrapes in the window: ${exporter.scrapeMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    `exporter bucket increase (cumulative): ${bucketLine}`,
    `raw RTT min/max ${fmtMs(raw.rtt.min)}/${fmtMs(raw.rtt.max)} ms, cxprobe exact min/max ${fmtMs(exact.rtt.min)}/${fmtMs(exact.rtt.max)} ms, p99 raw ${fmtMs(raw.rtt.p99)} / cxprobe ${fmtMs(exact.rtt.p99)} ms`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const role = process.argv.find((arg) => arg.startsWith('--role='));
  if (role === '--role=cxprobe-client') {
    const [url, count] = process.argv.slice(process.argv.indexOf(role) + 1);
    runCxprobeClient(url ?? '', Number(count));
  } else {
    await runWsFidelity();
  }
}
