/**
 * Fidelity: how much does cxprobe add to the HTTP round trip it reports?
 *
 * The simulator's health-check endpoint answers after an injected 50 ms. In one interleaved run
 * (shuffled order every iteration) this bench times, one request at a time:
 *
 * - `raw@50` / `raw@0`: a bare node:http GET on a fresh connection (agent keepAlive false),
 *   timed with performance.now() from the call to the end of the body: the baseline;
 * - `cxprobe@50` / `cxprobe@0`: `performRequest`, the code path the `http` prober uses; its
 *   `totalSeconds` is what the exporter reports as phase `total`;
 * - `blackbox@50`: blackbox_exporter's `/probe` (when installed), reading its own
 *   `probe_duration_seconds` and `probe_http_duration_seconds{phase}`.
 *
 * Meanwhile a `cxprobe run` child process probes the same endpoint every second (the full
 * path: scheduler, probe runner, prober, recorder); its per-probe durations are polled from
 * `/metrics` (`cxprobe_probe_duration_seconds`), and its histogram `_sum/_count` for phase
 * `total` is read at the end.
 *
 * The two simulators (50 ms and 0 ms) run in their own processes, so the measuring process only
 * runs the clients. Usage: `npx tsx bench/http-fidelity.ts [--n=360]`.
 */
import http from 'node:http';
import { performRequest } from '../src/probers/http/request.ts';
import {
  blackboxVersion,
  describeMachine,
  fmtBytes,
  fmtMs,
  isMain,
  machine,
  numberFlag,
  processMemory,
  shuffle,
  startBlackbox,
  startBenchExporter,
  startRawIntervalClient,
  startSimulatorProcess,
  summarize,
  table,
  type Machine,
  type RawIntervalClient,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';

const DELAY_MS = 50;
const HEALTH_PATH = '/api/v2/health/check';
const WARMUP = 30;
const TIMEOUT_MS = 5_000;

type Variant = 'raw@50' | 'cxprobe@50' | 'raw@0' | 'cxprobe@0' | 'blackbox@50';

export interface FidelityResult {
  machine: Machine;
  n: number;
  summaries: Partial<Record<Variant, Summary>>;
  /** Median of cxprobe@50 minus median of raw@50, ms. */
  overheadMs: number;
  /** Median of the per-iteration differences cxprobe@50 − raw@50, ms. */
  pairedOverheadMs: number;
  /** Median raw@50 minus the injected delay: loopback, connection and simulator cost, ms. */
  rawAboveDelayMs: number;
  exporter: {
    probes: number;
    perProbe: Summary;
    /** A bare node:http GET once a second from an otherwise idle process, same window. */
    idleRaw: Summary;
    /** RSS of the one-target exporter at the end. */
    rssBytes: number;
    histogramMeanMs: number;
    histogramCount: number;
    rawMeanMs: number;
  };
  blackbox:
    | { version: string; total: Summary; phasesSum: Summary; phases: Record<string, Summary> }
    | { unavailable: string };
  simulatorDelay: { count: number; min: number; max: number };
  report: string;
}

/** One GET on a fresh connection, timed from the call to the end of the body, in ms. */
function rawGet(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const elapsed = performance.now() - started;
        if (res.statusCode === 200) resolve(elapsed);
        else reject(new Error(`raw GET answered ${String(res.statusCode)}`));
      });
    });
    req.on('error', reject);
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('raw GET timed out')));
  });
}

/** performRequest as the prober calls it (an abort signal per probe), in ms. */
async function cxprobeGet(url: string, stop: AbortSignal): Promise<number> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(TIMEOUT_MS)]);
  const exchange = await performRequest({ url, method: 'GET' }, signal, TIMEOUT_MS);
  if (!exchange.ok || exchange.status !== 200)
    throw new Error(
      `performRequest failed: ${exchange.ok ? String(exchange.status) : exchange.message}`,
    );
  return exchange.totalSeconds * 1000;
}

interface BlackboxSample {
  totalMs: number;
  phasesMs: Record<string, number>;
}

async function blackboxProbe(blackboxUrl: string, target: string): Promise<BlackboxSample> {
  const answer = await request(
    `${blackboxUrl}/probe?module=http_2xx&target=${encodeURIComponent(target)}`,
  );
  const samples = parseSamples(answer.body);
  if (sumOf(samples, 'probe_success') !== 1)
    throw new Error(`blackbox probe failed:\n${answer.body}`);
  const phasesMs: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name === 'probe_http_duration_seconds' && sample.labels.phase !== undefined)
      phasesMs[sample.labels.phase] = sample.value * 1000;
  }
  return { totalMs: sumOf(samples, 'probe_duration_seconds') * 1000, phasesMs };
}

export async function runFidelity(n = numberFlag('n', 360)): Promise<FidelityResult> {
  const info = machine();
  console.log(`# http-fidelity: ${String(n)} interleaved requests per variant`);
  console.log(describeMachine(info));

  const [sim50, sim0] = await Promise.all([
    startSimulatorProcess({
      endpoints: { genesys_health_check: { latency: { fixed_ms: DELAY_MS, random_ms: 0 } } },
    }),
    startSimulatorProcess(),
  ]);
  const url50 = `${sim50.url}${HEALTH_PATH}`;
  const url0 = `${sim0.url}${HEALTH_PATH}`;
  const bbVersion = blackboxVersion();
  const blackbox = bbVersion === undefined ? undefined : await startBlackbox();
  const stop = new AbortController();
  const agent = new http.Agent({ keepAlive: false });
  let exporter: Awaited<ReturnType<typeof startBenchExporter>> | undefined;

  let idleRaw: RawIntervalClient | undefined;
  let bbSamples: BlackboxSample[] = [];
  const polling = { on: false };
  try {
    const run: Record<Variant, (() => Promise<number>) | undefined> = {
      'raw@50': () => rawGet(url50, agent),
      'cxprobe@50': () => cxprobeGet(url50, stop.signal),
      'raw@0': () => rawGet(url0, agent),
      'cxprobe@0': () => cxprobeGet(url0, stop.signal),
      'blackbox@50':
        blackbox === undefined
          ? undefined
          : async () => {
              const sample = await blackboxProbe(blackbox.url, url50);
              bbSamples.push(sample);
              return sample.totalMs;
            },
    };
    const variants = (Object.keys(run) as Variant[]).filter((key) => run[key] !== undefined);

    for (let i = 0; i < WARMUP; i++) for (const variant of variants) await run[variant]?.();
    bbSamples = [];

    // The full exporter probes the same endpoint during the measured loop.
    exporter = await startBenchExporter(
      [
        'global:',
        '  interval: 1s',
        '  timeout: 900ms',
        '  history_limit: 10000',
        'targets:',
        '  - name: health-50ms',
        '    kind: http',
        `    url: ${url50}`,
        '',
      ].join('\n'),
    );
    idleRaw = startRawIntervalClient(url50, 1_000);
    await sim50.resetTruth();

    // Per-probe durations of the exporter: cxprobe_probe_duration_seconds (the same value as
    // phase total) whenever cxprobe_probe_last_run_timestamp_seconds moves. Polled every 300 ms,
    // which cannot miss a probe at a 1 s interval; only the two lines needed are parsed.
    const perProbe: number[] = [];
    polling.on = true;
    const activeExporter = exporter;
    const poller = (async () => {
      let lastRun = '';
      while (polling.on) {
        const body = (await activeExporter.scrape()).body;
        const at = /^cxprobe_probe_last_run_timestamp_seconds\{[^}]*\} (\S+)$/m.exec(body)?.[1];
        const seconds = /^cxprobe_probe_duration_seconds\{[^}]*\} (\S+)$/m.exec(body)?.[1];
        if (at !== undefined && seconds !== undefined && at !== lastRun) {
          lastRun = at;
          perProbe.push(Number(seconds) * 1000);
        }
        await sleep(300);
      }
    })();

    const times: Record<Variant, number[]> = {
      'raw@50': [],
      'cxprobe@50': [],
      'raw@0': [],
      'cxprobe@0': [],
      'blackbox@50': [],
    };
    const paired: number[] = [];
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      const iteration: Partial<Record<Variant, number>> = {};
      for (const variant of shuffle([...variants])) {
        const ms = await run[variant]?.();
        if (ms !== undefined) {
          times[variant].push(ms);
          iteration[variant] = ms;
        }
      }
      paired.push((iteration['cxprobe@50'] ?? Number.NaN) - (iteration['raw@50'] ?? Number.NaN));
      if ((i + 1) % 60 === 0)
        console.log(
          `  ${String(i + 1)}/${String(n)} (${String(Math.round((Date.now() - started) / 1000))} s)`,
        );
    }
    const truth = await sim50.truth();

    polling.on = false;
    await poller;
    const idleRawTimes = (await idleRaw.stop()).slice(3);
    idleRaw = undefined;
    const exporterMemory = processMemory(exporter.pid);

    // The exporter's histogram (phase total), for its mean.
    const samples = parseSamples((await exporter.scrape()).body);
    const probes = sumOf(samples, 'cxprobe_probes_total');
    const histogramSum = sumOf(samples, 'cxprobe_http_request_duration_seconds_sum', {
      phase: 'total',
    });
    const histogramCount = sumOf(samples, 'cxprobe_http_request_duration_seconds_count', {
      phase: 'total',
    });

    const summaries: Partial<Record<Variant, Summary>> = {};
    for (const variant of variants) summaries[variant] = summarize(times[variant]);
    const med = (variant: Variant) => summaries[variant]?.median ?? Number.NaN;
    const overheadMs = med('cxprobe@50') - med('raw@50');
    const pairedOverheadMs = summarize(paired).median;

    const phaseNames = [...new Set(bbSamples.flatMap((sample) => Object.keys(sample.phasesMs)))];
    const bbResult: FidelityResult['blackbox'] =
      bbVersion === undefined
        ? { unavailable: 'prometheus-blackbox-exporter is not installed' }
        : {
            version: bbVersion,
            total: summarize(bbSamples.map((sample) => sample.totalMs)),
            phasesSum: summarize(
              bbSamples.map((sample) =>
                Object.values(sample.phasesMs).reduce((total, value) => total + value, 0),
              ),
            ),
            phases: Object.fromEntries(
              phaseNames.map((phase) => [
                phase,
                summarize(bbSamples.map((sample) => sample.phasesMs[phase] ?? 0)),
              ]),
            ),
          };

    // The first probes of the exporter include its own warm-up (module loading, JIT).
    const exporterSteady = perProbe.slice(3);
    const result: FidelityResult = {
      machine: info,
      n,
      summaries,
      overheadMs,
      pairedOverheadMs,
      rawAboveDelayMs: med('raw@50') - DELAY_MS,
      exporter: {
        probes,
        perProbe: summarize(exporterSteady),
        idleRaw: summarize(idleRawTimes),
        rssBytes: exporterMemory.rss,
        histogramMeanMs: histogramCount === 0 ? Number.NaN : (histogramSum / histogramCount) * 1000,
        histogramCount,
        rawMeanMs: summaries['raw@50']?.mean ?? Number.NaN,
      },
      blackbox: bbResult,
      simulatorDelay: {
        count: truth.endpoints.genesys_health_check.delay_ms.count,
        min: truth.endpoints.genesys_health_check.delay_ms.min,
        max: truth.endpoints.genesys_health_check.delay_ms.max,
      },
      report: '',
    };
    result.report = formatReport(result);
    console.log(result.report);
    return result;
  } finally {
    polling.on = false;
    stop.abort();
    agent.destroy();
    await Promise.all([
      sim50.stop(),
      sim0.stop(),
      blackbox?.stop(),
      exporter?.stop(),
      idleRaw?.stop(),
    ]);
  }
}

function formatReport(result: FidelityResult): string {
  const rows = Object.entries(result.summaries).map(([variant, s]) => [
    variant,
    String(s.n),
    fmtMs(s.median),
    fmtMs(s.p95),
    fmtMs(s.min),
    fmtMs(s.max),
  ]);
  const { exporter } = result;
  rows.push([
    'raw@50, once a second from an idle process',
    String(exporter.idleRaw.n),
    fmtMs(exporter.idleRaw.median),
    fmtMs(exporter.idleRaw.p95),
    fmtMs(exporter.idleRaw.min),
    fmtMs(exporter.idleRaw.max),
  ]);
  rows.push([
    'exporter (full path, 1 s interval)',
    String(exporter.perProbe.n),
    fmtMs(exporter.perProbe.median),
    fmtMs(exporter.perProbe.p95),
    fmtMs(exporter.perProbe.min),
    fmtMs(exporter.perProbe.max),
  ]);
  const lines = [
    '',
    `Simulator-scheduled delay: ${String(result.simulatorDelay.count)} answers, min ${String(result.simulatorDelay.min)} ms, max ${String(result.simulatorDelay.max)} ms`,
    '',
    table(['variant', 'n', 'median ms', 'p95 ms', 'min ms', 'max ms'], rows),
    '',
    `raw@50 median − 50 ms (loopback + fresh connection + simulator): ${fmtMs(result.rawAboveDelayMs)} ms`,
    `cxprobe overhead = median cxprobe@50 − median raw@50: ${fmtMs(result.overheadMs)} ms (goal: within 1 ms)`,
    `median of paired differences (same iteration): ${fmtMs(result.pairedOverheadMs)} ms`,
    `cxprobe@0 − raw@0 medians: ${fmtMs((result.summaries['cxprobe@0']?.median ?? Number.NaN) - (result.summaries['raw@0']?.median ?? Number.NaN))} ms`,
    `exporter per-probe median − raw@50 median: ${fmtMs(exporter.perProbe.median - (result.summaries['raw@50']?.median ?? Number.NaN))} ms; − idle once-a-second raw median: ${fmtMs(exporter.perProbe.median - exporter.idleRaw.median)} ms`,
    exporter.histogramCount === 0
      ? `exporter histogram phase=total is EMPTY (_count 0) although cxprobe_probes_total = ${String(exporter.probes)}: the recorder did not observe any probe`
      : `exporter histogram phase=total mean: ${fmtMs(exporter.histogramMeanMs)} ms over ${String(exporter.histogramCount)} observations (raw@50 mean in the same window: ${fmtMs(exporter.rawMeanMs)} ms)`,
    `one-target exporter RSS: ${fmtBytes(exporter.rssBytes)}`,
  ];
  if ('unavailable' in result.blackbox) {
    lines.push(`blackbox_exporter: ${result.blackbox.unavailable}`);
  } else {
    const bb = result.blackbox;
    lines.push(
      `blackbox_exporter ${bb.version}: probe_duration_seconds median ${fmtMs(bb.total.median)} ms (p95 ${fmtMs(bb.total.p95)}); sum of probe_http_duration_seconds phases median ${fmtMs(bb.phasesSum.median)} ms`,
      `  phases (median ms): ${Object.entries(bb.phases)
        .map(([phase, s]) => `${phase} ${fmtMs(s.median)}`)
        .join(', ')}`,
      `  blackbox probe_duration median − raw@50 median: ${fmtMs(bb.total.median - (result.summaries['raw@50']?.median ?? Number.NaN))} ms`,
    );
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) await runFidelity();
