/**
 * Runs every benchmark in sequence (fidelity, cost, exposition) and prints a summary to paste
 * into BENCHMARKS.md. Each bench bounds its own duration and only uses loopback; a bench that
 * crashes (not one that is slow: timings are never asserted) makes the exit code 1.
 *
 * Usage: `npx tsx bench/run-all.ts` (flags such as `--n=360` or `--seconds=60` are passed on).
 */
import { runCost, type CostResult } from './http-cost.ts';
import { runFidelity, type FidelityResult } from './http-fidelity.ts';
import { runExposition, type ExpositionResult } from './exposition.ts';
import { describeMachine, fmtBytes, fmtMs, machine, table } from './lib.ts';

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

const fidelity = await bounded('http-fidelity', () => runFidelity());
const cost = await bounded('http-cost', () => runCost());
const exposition = await bounded('exposition', () => runExposition());

console.log('# Summary');
console.log(describeMachine(machine()));
console.log('');
console.log(table(['benchmark', 'figure', 'value'], summaryRows(fidelity, cost, exposition)));

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
