/**
 * Runs every benchmark in sequence (HTTP fidelity, cost, exposition, then WebSocket fidelity
 * and footprint, then audio fidelity and scale) and prints a summary to paste
 * into BENCHMARKS.md. Each bench bounds its own duration and only uses loopback; a bench that
 * crashes (not one that is slow: timings are never asserted) makes the exit code 1.
 *
 * Usage: `npx tsx bench/run-all.ts` (flags such as `--n=360` or `--seconds=60` are passed on).
 */
import { runCost, type CostResult } from './http-cost.ts';
import { runFidelity, type FidelityResult } from './http-fidelity.ts';
import { runExposition, type ExpositionResult } from './exposition.ts';
import { runWsFidelity, type WsFidelityResult } from './ws-fidelity.ts';
import { eventLoopDelayMs, runWsFootprint, type WsFootprintResult } from './ws-footprint.ts';
import { runAudioFidelity, type AudioFidelityResult } from './audio-fidelity.ts';
import { runAudioScale, type AudioScaleResult } from './audio-scale.ts';
import { describeMachine, checkOpenFileLimit, fmtBytes, fmtMs, machine, table } from './lib.ts';

/** Far above what any bench needs (each is about two minutes); only a hang reaches it. */
const BENCH_LIMIT_MS = 5 * 60_000;

async function bounded<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  // A hung bench ends the run; lib.ts kills the child processes on exit.
  const timer = setTimeout(() => {
    console.error(`${name} did not finish within ${String(BENCH_LIMIT_MS / 1000)} s`);
    process.exit(1);
  }, BENCH_LIMIT_MS);
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    console.error(`${name} failed:`, error);
    process.exitCode = 1;
    return undefined;
  } finally {
    clearTimeout(timer);
    console.log(`(${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
}

// The WebSocket benches hold 2,000 connections per process: fail now rather than in 5 minutes.
checkOpenFileLimit(2_200);

const fidelity = await bounded('http-fidelity', () => runFidelity());
const cost = await bounded('http-cost', () => runCost());
const exposition = await bounded('exposition', () => runExposition());
const wsFidelity = await bounded('ws-fidelity', () => runWsFidelity());
const wsFootprint = await bounded('ws-footprint', () => runWsFootprint());
const audioFidelity = await bounded('audio-fidelity', () => runAudioFidelity());
const audioScale = await bounded('audio-scale', () => runAudioScale());

console.log('# Summary');
console.log(describeMachine(machine()));
console.log('');
console.log(
  table(
    ['benchmark', 'figure', 'value'],
    [
      ...summaryRows(fidelity, cost, exposition),
      ...wsSummaryRows(wsFidelity, wsFootprint),
      ...audioSummaryRows(audioFidelity, audioScale),
    ],
  ),
);

function summaryRows(
  fidelityResult: FidelityResult | undefined,
  costResult: CostResult | undefined,
  expositionResult: ExpositionResult | undefined,
): string[][] {
  const rows: string[][] = [];
  if (fidelityResult !== undefined) {
    const raw = fidelityResult.summaries['raw@50'];
    const ours = fidelityResult.summaries['cxprobe@50'];
    rows.push(
      ['fidelity', 'raw node:http @50 ms, median', `${fmtMs(raw?.median ?? Number.NaN)} ms`],
      [
        'fidelity',
        'cxprobe performRequest @50 ms, median',
        `${fmtMs(ours?.median ?? Number.NaN)} ms`,
      ],
      [
        'fidelity',
        'cxprobe overhead (median − median; goal ≤ 1 ms)',
        `${fmtMs(fidelityResult.overheadMs)} ms (paired ${fmtMs(fidelityResult.pairedOverheadMs)} ms)`,
      ],
      [
        'fidelity',
        'full exporter per-probe median @50 ms',
        `${fmtMs(fidelityResult.exporter.perProbe.median)} ms (n ${String(fidelityResult.exporter.perProbe.n)})`,
      ],
    );
    if (!('unavailable' in fidelityResult.blackbox))
      rows.push([
        'fidelity',
        `blackbox_exporter ${fidelityResult.blackbox.version} probe_duration_seconds @50 ms, median`,
        `${fmtMs(fidelityResult.blackbox.total.median)} ms`,
      ]);
  }
  if (costResult !== undefined) {
    rows.push(
      [
        'cost',
        `CPU per probe at ${costResult.probesPerSecond.toFixed(0)} probes/s`,
        `${costResult.cpuPerProbeUs.toFixed(0)} µs (${(costResult.cpuShareOfCore * 100).toFixed(1)} % of a core)`,
      ],
      [
        'cost',
        'event-loop p99 per 15 s window (incl. 10 ms timer)',
        `${costResult.eventLoopP99Ms.map((ms) => ms.toFixed(1)).join(', ')} ms`,
      ],
      ['cost', 'exporter RSS', fmtBytes(costResult.rssBytes)],
    );
    if (!('unavailable' in costResult.blackbox))
      rows.push([
        'cost',
        `blackbox_exporter ${costResult.blackbox.version} CPU per probe`,
        `${costResult.blackbox.cpuPerProbeUs.toFixed(0)} µs`,
      ]);
  }
  if (expositionResult !== undefined) {
    const { live, synthetic } = expositionResult;
    rows.push(
      [
        'exposition',
        `live GET /metrics, ${String(expositionResult.targets)} targets, text / OpenMetrics`,
        `${fmtMs(live.prometheus.time.median)} / ${fmtMs(live.openMetrics.time.median)} ms, ${fmtBytes(live.prometheus.bytes)}`,
      ],
      [
        'exposition',
        'synthetic (every series) render, text / OpenMetrics',
        `${fmtMs(synthetic.prometheus.time.median)} / ${fmtMs(synthetic.openMetrics.time.median)} ms, ${fmtBytes(synthetic.prometheus.bytes)}`,
      ],
    );
  }
  return rows;
}

function wsSummaryRows(
  fidelityResult: WsFidelityResult | undefined,
  footprintResult: WsFootprintResult | undefined,
): string[][] {
  const rows: string[][] = [];
  const pair = (p50: number, p95: number) => `${fmtMs(p50)} / ${fmtMs(p95)} ms`;
  for (const result of fidelityResult?.configurations ?? []) {
    const at = `${String(result.connections)} conn`;
    rows.push(
      [
        'ws-fidelity',
        `${at}: applied pong delay p50 / p95`,
        pair(result.exact.applied.median, result.exact.applied.p95),
      ],
      [
        'ws-fidelity',
        `${at}: raw ws client p50 / p95`,
        pair(result.raw.rtt.median, result.raw.rtt.p95),
      ],
      [
        'ws-fidelity',
        `${at}: cxprobe code path, exact p50 / p95`,
        pair(result.exact.rtt.median, result.exact.rtt.p95),
      ],
      [
        'ws-fidelity',
        `${at}: exporter histogram_quantile p50 / p95`,
        pair(result.exporter.interpolated.p50, result.exporter.interpolated.p95),
      ],
    );
  }
  if (footprintResult !== undefined) {
    const worstP99 = Math.max(...footprintResult.eventLoopP99Ms);
    rows.push(
      [
        'ws-footprint',
        `CPU, ${String(footprintResult.targets)} sessions pinging every 1 s (goal ≤ 50 %)`,
        `${(footprintResult.cpuShare * 100).toFixed(1)} % of a core`,
      ],
      [
        'ws-footprint',
        'RSS unscraped / peak scraped every 15 s (goal ≤ 300 MB)',
        `${fmtBytes(Math.max(...footprintResult.quietRssBytes))} / ${fmtBytes(footprintResult.windowPeakRssBytes)}`,
      ],
      [
        'ws-footprint',
        'event-loop delay p99, worst 15 s window − 10 ms timer (goal ≤ 10 ms)',
        `${fmtMs(eventLoopDelayMs(worstP99))} ms`,
      ],
      [
        'ws-footprint',
        'GET /metrics median, size',
        `${fmtMs(footprintResult.scrape.time.median)} ms, ${fmtBytes(footprintResult.scrape.bytes)}`,
      ],
    );
  }
  return rows;
}

function audioSummaryRows(
  fidelityResult: AudioFidelityResult | undefined,
  scaleResult: AudioScaleResult | undefined,
): string[][] {
  const rows: string[][] = [];
  const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;
  if (fidelityResult !== undefined) {
    const sessions = [...fidelityResult.jitter, ...fidelityResult.loss];
    const worstFinal = Math.max(...sessions.map((session) => Math.abs(session.finalJ.relative)));
    const worstMean = Math.max(...sessions.map((session) => Math.abs(session.meanJ.relative)));
    const loss = fidelityResult.lossTotals;
    rows.push(
      [
        'audio-fidelity',
        `reported J vs truth, worst of ${String(sessions.length)} sessions: final / mean (goal ≤ 5 %)`,
        `${pct(worstFinal)} / ${pct(worstMean)}`,
      ],
      [
        'audio-fidelity',
        `loss reported / simulator, ${String(loss.received + loss.oursLost)} frames (goal ±0.2 pp)`,
        `${pct(loss.oursRatio)} / ${pct(loss.truthRatio)}`,
      ],
    );
  }
  for (const variant of scaleResult?.variants ?? []) {
    const lag =
      variant.lateness === undefined
        ? `histogram p99 ${fmtMs(variant.bucketP99Ms)} ms`
        : `p50 ${fmtMs(variant.lateness.median)} / p99 ${fmtMs(variant.lateness.p99)} ms`;
    rows.push([
      'audio-scale',
      `${String(scaleResult?.streams ?? 0)} streams, ${variant.variant}: sender lag (goal p99 ≤ 2 ms), ≤ 2 ms, CPU, RSS`,
      `${lag}, ${pct(variant.shareWithinGoal)}, ${(variant.cpuShare * 100).toFixed(1)} %, ${fmtBytes(variant.rssBytes)}`,
    ]);
  }
  return rows;
}
