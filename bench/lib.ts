/**
 * Shared helpers of the benchmarks: child processes (simulator, exporter, blackbox_exporter),
 * /proc readings and the statistics every bench quotes. Waiting, ports and the exposition parser
 * are the tests' own (test/support/).
 *
 * Benchmarks measure and print; they never assert timings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultsPatch, Truth } from '../src/simulator/index.ts';
import type { Sample } from '../test/support/exposition.ts';
import { ManagedProcess } from '../test/support/child-process.ts';
import { startExporterProcess, type ExporterProcess } from '../test/support/exporter-process.ts';
import { request } from '../test/support/http-client.ts';
import { freePort } from '../test/support/net.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(REPO_ROOT, 'bin', 'cxprobe.js');

// ---------------------------------------------------------------------------------------------
// Statistics

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentile with linear interpolation between closest ranks (R type 7), on sorted values. */
function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (rank - lower);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    median: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

export function median(values: readonly number[]): number {
  return summarize(values).median;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    const swap = items[index] as T;
    items[index] = items[other] as T;
    items[other] = swap;
  }
  return items;
}

/** Milliseconds with three decimals. */
export function fmtMs(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(3) : 'n/a';
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** A Markdown table, so the output can be pasted into BENCHMARKS.md as is. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Machine

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  date: string;
  loadAverage: string;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) cpuModel = match[1].trim();
  } catch {
    // Not Linux: keep os.cpus().
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel,
    node: process.version,
    date: new Date().toISOString(),
    loadAverage: os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
  };
}

export function describeMachine(info: Machine = machine()): string {
  return `nproc ${info.nproc}, CPU "${info.cpuModel}", node ${info.node}, ${info.date}, load average ${info.loadAverage}`;
}

// ---------------------------------------------------------------------------------------------
// /proc

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      clockTicks = 100;
    }
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) clockTicks = 100;
  }
  return clockTicks;
}

/** User + system CPU seconds of a process, all threads, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may contain spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5); index 0 here is field 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Resident set size now and its peak, in bytes, from /proc/<pid>/status. */
export function processMemory(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') * 1024, peakRss: kib('VmHWM') * 1024 };
}

// ---------------------------------------------------------------------------------------------
// Child processes (test/support/child-process.ts kills them all on exit)

export interface SimulatorProcess {
  url: string;
  pid: number;
  setFaults(patch: FaultsPatch): Promise<void>;
  truth(): Promise<Truth>;
  resetTruth(): Promise<void>;
  stop(): Promise<void>;
}

/** The PID of a started child. */
function pidOf(child: ManagedProcess): number {
  if (child.pid === undefined) throw new Error(`could not start ${child.name}`);
  return child.pid;
}

/** `cxprobe simulate` in its own process, so its CPU is not the measured process's. */
export async function startSimulatorProcess(faults?: FaultsPatch): Promise<SimulatorProcess> {
  const child = new ManagedProcess(
    'simulator',
    process.execPath,
    [CLI, 'simulate', '--web.listen-address=127.0.0.1:0', '--log.level=warn'],
    REPO_ROOT,
  );
  const match = await child.stopOnFailure(
    child.waitForOutput(/simulator on (http:\/\/127\.0\.0\.1:\d+)/),
  );
  const url = match[1] ?? '';
  const simulator: SimulatorProcess = {
    url,
    pid: pidOf(child),
    setFaults: async (patch) => {
      const answer = await request(`${url}/-/sim/faults`, {
        method: 'PUT',
        body: JSON.stringify(patch),
      });
      if (answer.status !== 200) throw new Error(`setting faults failed: ${answer.body}`);
    },
    truth: async () => JSON.parse((await request(`${url}/-/sim/truth`)).body) as Truth,
    resetTruth: async () => {
      await request(`${url}/-/sim/reset-truth`, { method: 'POST' });
    },
    stop: () => child.stop(),
  };
  if (faults !== undefined) await simulator.setFaults(faults);
  return simulator;
}

/** `cxprobe run` in its own process with a generated config file, logging JSON as in production. */
export function startBenchExporter(configYaml: string): Promise<ExporterProcess> {
  return startExporterProcess({ name: 'cxprobe', configYaml, logFormat: 'json' });
}

/** Plain CommonJS run with `node -e`: one fresh-connection GET per interval, ms per line. */
const RAW_INTERVAL_CLIENT = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: false });
const [url, interval] = process.argv.slice(1);
setInterval(() => {
  const started = performance.now();
  http
    .get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => process.stdout.write((performance.now() - started).toFixed(4) + '\\n'));
    })
    .on('error', () => {});
}, Number(interval));
`;

export interface RawIntervalClient {
  /** Stops the client and returns its timings, ms. */
  stop(): Promise<number[]>;
}

/**
 * A bare node:http client in its own, otherwise idle process, one GET every `intervalMs`: the
 * baseline for an exporter that also probes once a second and sleeps in between.
 */
export function startRawIntervalClient(url: string, intervalMs: number): RawIntervalClient {
  const child = new ManagedProcess(
    'raw interval client',
    process.execPath,
    ['-e', RAW_INTERVAL_CLIENT, url, String(intervalMs)],
    REPO_ROOT,
  );
  // Every timing, not just the start and end of the output the child keeps for messages.
  let timings = '';
  child.child.stdout?.on('data', (chunk: Buffer) => {
    timings += chunk.toString('utf8');
  });
  return {
    stop: async () => {
      await child.stop();
      return timings
        .split('\n')
        .filter((line) => /^\d+\.\d+$/.test(line))
        .map(Number);
    },
  };
}

export interface BlackboxProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export const BLACKBOX_BINARY = 'prometheus-blackbox-exporter';

/** The installed blackbox_exporter version, or undefined when it is not installed. */
export function blackboxVersion(): string | undefined {
  try {
    const text = execFileSync(BLACKBOX_BINARY, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return /version (\S+)/.exec(text)?.[1] ?? 'unknown';
  } catch {
    return undefined;
  }
}

/** blackbox_exporter on loopback with one `http_2xx` module. */
export async function startBlackbox(): Promise<BlackboxProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cxprobe-bench-bb-'));
  const configFile = path.join(dir, 'blackbox.yml');
  writeFileSync(
    configFile,
    [
      'modules:',
      '  http_2xx:',
      '    prober: http',
      '    timeout: 5s',
      '    http:',
      '      preferred_ip_protocol: ip4',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = new ManagedProcess(
    'blackbox_exporter',
    BLACKBOX_BINARY,
    [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ],
    REPO_ROOT,
  );
  const url = `http://127.0.0.1:${String(port)}`;
  await child.stopOnFailure(child.waitReady(`${url}/-/healthy`, 15_000));
  return {
    url,
    pid: pidOf(child),
    stop: async () => {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A cxprobe config of `count` targets named `<prefix>-0000`, `<prefix>-0001`, …, each with
 * `fields`, after the `global` settings (YAML lines without indentation).
 */
export function numberedTargetsConfig(
  global: readonly string[],
  count: number,
  prefix: string,
  fields: readonly string[],
): string {
  const lines = ['global:', ...global.map((line) => `  ${line}`), 'targets:'];
  for (let index = 0; index < count; index++)
    lines.push(
      `  - name: ${prefix}-${String(index).padStart(4, '0')}`,
      ...fields.map((line) => `    ${line}`),
    );
  return `${lines.join('\n')}\n`;
}

/** True when the module is the script node was started with (not imported by run-all). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && path.resolve(entry) === fileURLToPath(moduleUrl);
}

/** `--name=value` from the command line, as a number. */
export function numberFlag(name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const arg = process.argv.find((value) => value.startsWith(prefix));
  const parsed = arg === undefined ? Number.NaN : Number(arg.slice(prefix.length));
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

// ---------------------------------------------------------------------------------------------
// Histograms

/** One cumulative bucket: observations ≤ `le` (Infinity for `+Inf`). */
export interface Bucket {
  le: number;
  count: number;
}

/** Cumulative buckets of histogram `name`, summed by `le` over the series matching `where`. */
export function histogramBuckets(
  samples: readonly Sample[],
  name: string,
  where: Record<string, string> = {},
): Bucket[] {
  const byLe = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket`) continue;
    if (!Object.entries(where).every(([key, value]) => sample.labels[key] === value)) continue;
    const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** `after − before`, bucket by bucket (the increase over a window, as `increase()` would give). */
export function bucketDelta(after: readonly Bucket[], before: readonly Bucket[]): Bucket[] {
  const earlier = new Map(before.map((bucket) => [bucket.le, bucket.count]));
  return after.map(({ le, count }) => ({ le, count: count - (earlier.get(le) ?? 0) }));
}

/** Raw values as cumulative buckets with the given upper bounds (and `+Inf`). */
export function bucketize(values: readonly number[], bounds: readonly number[]): Bucket[] {
  const sorted = [...bounds].sort((a, b) => a - b);
  const counts = new Array<number>(sorted.length + 1).fill(0);
  for (const value of values) {
    let index = sorted.findIndex((bound) => value <= bound);
    if (index === -1) index = sorted.length;
    counts[index] = (counts[index] ?? 0) + 1;
  }
  let cumulative = 0;
  return [...sorted, Infinity].map((le, index) => {
    cumulative += counts[index] ?? 0;
    return { le, count: cumulative };
  });
}

/**
 * PromQL's `histogram_quantile(q, …)` on cumulative buckets: linear interpolation inside the
 * bucket that holds rank q·count, from the previous bound (0 for the first bucket); the
 * highest finite bound when the rank falls in `+Inf`. NaN without observations.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  const last = buckets[buckets.length - 1];
  if (buckets.length < 2 || last?.le !== Infinity || last.count <= 0) return Number.NaN;
  const rank = q * last.count;
  const index = buckets.findIndex((bucket) => bucket.count >= rank);
  if (index === buckets.length - 1) return buckets[buckets.length - 2]?.le ?? Number.NaN;
  const bucket = buckets[index];
  if (bucket === undefined) return Number.NaN;
  if (index === 0 && bucket.le <= 0) return bucket.le;
  const previous = index === 0 ? { le: 0, count: 0 } : (buckets[index - 1] ?? { le: 0, count: 0 });
  const inBucket = bucket.count - previous.count;
  if (inBucket <= 0) return bucket.le;
  return previous.le + (bucket.le - previous.le) * ((rank - previous.count) / inBucket);
}

// ---------------------------------------------------------------------------------------------
// Open files

/** Soft and hard limits on open files of this process, from /proc/self/limits. */
export function openFileLimits(): { soft: number; hard: number } {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const parse = (value: string | undefined) =>
      value === 'unlimited' ? Infinity : Number(value ?? Number.NaN);
    return { soft: parse(line?.[1]), hard: parse(line?.[2]) };
  } catch {
    return { soft: Number.NaN, hard: Number.NaN };
  }
}

/**
 * Throws unless this process — and so every child it spawns — may open `needed` files. Node
 * raises its own soft limit to the hard limit at start-up (checked: `ulimit -Sn 1024` in the
 * shell still gives node 20000 here, and its children inherit that), so a `bash -c 'ulimit -n
 * …'` wrapper cannot help; only the hard limit counts (`ulimit -Hn` as root, `docker run
 * --ulimit nofile=…`, systemd `LimitNOFILE=`).
 */
export function checkOpenFileLimit(needed: number): { soft: number; hard: number } {
  const limits = openFileLimits();
  if (Number.isFinite(limits.soft) && limits.soft < needed)
    throw new Error(
      `open-file limit ${String(limits.soft)} (hard ${String(limits.hard)}) is below the ${String(needed)} this bench needs: raise the hard limit and run again`,
    );
  return limits;
}

// ---------------------------------------------------------------------------------------------
// Child processes driven over IPC

export interface IpcChild {
  pid: number;
  /** Sends `message` with a fresh `id`; resolves with the child's reply carrying that `id`. */
  ask<T>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Everything written to stdout/stderr so far (start and end), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `node <args>` with an IPC channel (structured-clone serialisation, so large arrays of numbers
 * travel cheaply): the child answers each `{ id, … }` message with `{ id, … }`. Killed on exit
 * like the other children.
 */
export function spawnIpcChild(args: readonly string[]): IpcChild {
  const managed = new ManagedProcess(`node ${args.join(' ')}`, process.execPath, args, REPO_ROOT, {
    ipc: true,
  });
  const child = managed.child;
  const pid = pidOf(managed);
  const waiting = new Map<number, (reply: unknown) => void>();
  child.on('message', (reply: { id?: number }) => {
    if (reply.id === undefined) return;
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  let nextId = 1;
  return {
    pid,
    output: () => managed.output,
    ask: <T>(message: Record<string, unknown>, timeoutMs = 60_000) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`child ${String(pid)} did not answer:\n${managed.output}`));
        }, timeoutMs);
        waiting.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply as T);
        });
        child.send({ ...message, id });
      }),
    stop: () => managed.stop(),
  };
}
