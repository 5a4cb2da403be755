/**
 * Audio fidelity: is the RFC 3550 jitter cxprobe reports for echoed audio the jitter the server
 * really put on the frames, and is the loss it reports the loss the server injected?
 *
 * Two simulator processes, each with AudioHook (Audio Connector) echo, run side by side:
 *
 * - **jitter** — `frame_delay` uniform in [0, 20] ms on every echoed 20 ms frame, no loss; one
 *   `audiohook` target, `--jitter-sessions` sessions of `--jitter-seconds` one after another;
 * - **loss** — the same delay plus `frame_loss_rate: 0.02`; `--loss-targets` targets (started
 *   200 ms apart) of `--loss-sessions` sessions of `--loss-seconds` each, so there are enough
 *   frames (15,000 by default) for a loss figure.
 *
 * cxprobe runs in this process: the `audiohook` prober (`createTargetProber` → `SessionRunner`,
 * the exporter's code path) with `echo: true`, whose events go both to the exporter's own
 * recorder (`createSessionRecorder` on a fresh `createMetrics`, read back from the registry as a
 * scrape would) and to a recorder that keeps every frame's |D|, J and arrival time.
 *
 * Ground truth is the simulator's per-frame log (`GET /-/sim/audio/frames`): `sent_at_ms` (its
 * `performance.now()` just before it wrote the echo), the frame index (× 160 samples = the media
 * position our tag carries) and `dropped`. The truth J is the same estimator
 * (`InterarrivalJitter.onFrameAt`) fed with `sent_at_ms` instead of our arrival time, for the
 * same frames. The difference between the two is the variation of the downstream transit: the
 * simulator's write, loopback, and our event loop getting to the frame.
 *
 * Usage: `npx tsx bench/audio-fidelity.ts [--jitter-sessions=3] [--jitter-seconds=20]
 * [--loss-targets=5] [--loss-sessions=2] [--loss-seconds=30] [--loss-rate=0.02]`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InterarrivalJitter } from '../src/audio/jitter.ts';
import { parseConfig } from '../src/config/load.ts';
import { createMetrics } from '../src/metrics/catalogue.ts';
import { MetricsSink } from '../src/sinks/metrics.ts';
import { kindOf } from '../src/kinds/registry.ts';
import { createTargetProber } from '../test/support/probers.ts';
import { SessionRunner } from '../src/runtime/session-runner.ts';
import type { ProbeEvent, SessionEnd } from '../src/events/probe-event.ts';
import type { AudioFrameRecord } from '../src/simulator/core/truth/audio-frame-log.ts';
import type { FaultsPatch } from '../src/simulator/index.ts';
import {
  describeMachine,
  fmtMs,
  isMain,
  machine,
  numberFlag,
  startSimulatorProcess,
  summarize,
  table,
  type Machine,
  type SimulatorProcess,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, type Sample } from '../test/support/exposition.ts';
import { request } from '../test/support/http-client.ts';
import {
  AUDIOHOOK_API_KEY,
  AUDIOHOOK_CLIENT_SECRET,
} from '../test/support/simulator-credentials.ts';
import { NO_DEPS } from '../test/support/probe-setup.ts';

const RATE = 8000;
const FRAME_MS = 20;
const FRAME_SAMPLES = (RATE * FRAME_MS) / 1000;
const DELAY = { fixed_ms: 0, random_ms: 20 };
/** Injected loss; `--loss-rate` changes it (e.g. to see leading drops often). */
const LOSS_RATE = Math.min(1, numberFlag('loss-rate', 0.02));
/** Goals of the issue. */
export const JITTER_GOAL = 0.05;
export const LOSS_GOAL_PP = 0.2;
/** Frames before J has converged (RFC 3550's gain is 1/16); left out of per-frame comparisons. */
const CONVERGED_AFTER = 32;
/**
 * E|X − Y| for X, Y independent and uniform on the integers 0..20 ms: (n² − 1) / (3n), n = 21.
 * What J converges to for the injected delays alone (they are never reordered: a delay is at
 * most one frame, so FIFO holds no frame back).
 */
const INJECTED_J_THEORY_MS = (21 * 21 - 1) / (3 * 21);

// ---------------------------------------------------------------------------------------------
// cxprobe side: the audiohook prober in this process, every frame kept

interface OurFrame {
  /** performance.now() in the frameReceived callback, ms (µs after the inbound's own stamp). */
  arrivalMs: number;
  /** Reported |D|, seconds; undefined for the first frame of a session. */
  dAbs: number | undefined;
  /** Reported J after this frame, seconds. */
  jitter: number;
}

interface OurSession {
  target: string;
  connectedAtMs: number;
  frames: OurFrame[];
  sendLagSeconds: number[];
  lost: number;
  late: number;
  end: SessionEnd | undefined;
}

interface RunningTarget {
  name: string;
  sessions: OurSession[];
  runner: SessionRunner;
  /** Resolves once `sessions` sessions have closed and the runner stopped. */
  done: Promise<void>;
}

function targetYaml(name: string, url: string, sessionSeconds: number): string {
  return `
  - name: ${name}
    kind: audiohook
    url: ${url}
    api_key: \${AH_KEY}
    client_secret: \${AH_SECRET}
    timeout: 2s
    interval: ${String(sessionSeconds)}s
    session_length: ${String(sessionSeconds)}s
    frame_duration: ${String(FRAME_MS)}ms
    echo: true`;
}

/**
 * Starts `names.length` audiohook targets against `simulatorUrl`, `staggerMs` apart; each stops
 * after `sessions` sessions have closed. Events go to the exporter's recorder (`metrics`) and to
 * per-session records.
 */
async function startTargets(
  simulatorUrl: string,
  names: readonly string[],
  sessions: number,
  sessionSeconds: number,
  metrics: ReturnType<typeof createMetrics>,
  staggerMs: number,
): Promise<RunningTarget[]> {
  const url = `${simulatorUrl.replace('http', 'ws')}/api/v1/audioconnector/ws`;
  const yaml = `targets:${names.map((name) => targetYaml(name, url, sessionSeconds)).join('')}\n`;
  const config = await parseConfig(yaml, 'audio-fidelity.yml', {
    AH_KEY: AUDIOHOOK_API_KEY,
    AH_SECRET: AUDIOHOOK_CLIENT_SECRET,
  });
  const running: RunningTarget[] = [];
  for (const [index, target] of config.targets.entries()) {
    if (index > 0) await sleep(staggerMs);
    const built = createTargetProber(target, config, NO_DEPS);
    if (built.mode !== 'session') throw new Error(`${target.kind} is not a session kind`);
    const record = new MetricsSink(metrics).addTarget(target, kindOf(target).traits);
    const kept: OurSession[] = [];
    let current: OurSession | undefined;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const holder: { runner?: SessionRunner } = {};
    const emit = (event: ProbeEvent): void => {
      const arrivalMs = performance.now();
      record(event, undefined);
      switch (event.type) {
        case 'connected':
          current = {
            target: target.name,
            connectedAtMs: performance.now(),
            frames: [],
            sendLagSeconds: [],
            lost: 0,
            late: 0,
            end: undefined,
          };
          kept.push(current);
          return;
        case 'closed':
          if (current !== undefined) current.end = event.end;
          current = undefined;
          if (kept.filter((session) => session.end !== undefined).length >= sessions) {
            // Stops before the runner opens the next session (it checks the signal first).
            void holder.runner?.stop().then(resolveDone);
          }
          return;
        case 'frame_sent':
          current?.sendLagSeconds.push(event.lateSeconds);
          return;
        case 'frame_received':
          current?.frames.push({
            arrivalMs,
            dAbs: event.deviationSeconds,
            jitter: event.jitterSeconds,
          });
          return;
        case 'loss':
          if (current === undefined) return;
          current.lost += event.lost;
          current.late += event.late;
          return;
        default:
          return;
      }
    };
    const runner = new SessionRunner(built.protocol, emit, built.backoff);
    holder.runner = runner;
    runner.start();
    running.push({ name: target.name, sessions: kept, runner, done });
  }
  return running;
}

// ---------------------------------------------------------------------------------------------
// Ground truth and comparison

interface TruthSession {
  connection: number;
  session: string;
  records: AudioFrameRecord[];
}

async function truthSessions(simulator: SimulatorProcess): Promise<TruthSession[]> {
  const answer = await request(`${simulator.url}/-/sim/audio/frames?endpoint=audiohook`);
  const { frames } = JSON.parse(answer.body) as { frames: AudioFrameRecord[] };
  const byConnection = new Map<number, TruthSession>();
  for (const record of frames) {
    if (record.kind !== 'echo') continue;
    let entry = byConnection.get(record.connection);
    if (entry === undefined) {
      entry = { connection: record.connection, session: record.session, records: [] };
      byConnection.set(record.connection, entry);
    }
    entry.records.push(record);
  }
  for (const entry of byConnection.values()) entry.records.sort((a, b) => a.index - b.index);
  return [...byConnection.values()].sort((a, b) => a.connection - b.connection);
}

/** J over a sequence of (time, media position) with the estimator cxprobe uses. */
function jitterSeries(points: readonly { atMs: number; index: number }[]): {
  d: (number | undefined)[];
  j: number[];
} {
  const estimator = new InterarrivalJitter(RATE);
  const d: (number | undefined)[] = [];
  const j: number[] = [];
  for (const point of points) {
    const sample = estimator.onFrameAt(
      point.atMs / 1000,
      point.index * FRAME_SAMPLES,
      FRAME_SAMPLES,
    );
    d.push(sample.d);
    j.push(sample.jitter);
  }
  return { d, j };
}

function meanOf(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface SessionComparison {
  phase: 'jitter' | 'loss';
  target: string;
  connection: number;
  /** Frames we received / frames the simulator wrote; must be equal for the match to hold. */
  received: number;
  truthSent: number;
  /** Final J, ms: cxprobe's (the gauge's value at the session's end) and the truth's. */
  finalJ: { ours: number; truth: number; relative: number };
  /** Mean J over the converged frames, ms. */
  meanJ: { ours: number; truth: number; relative: number };
  /** Mean |D|, ms (what the deviation histogram's _sum/_count gives). */
  meanAbsD: { ours: number; truth: number };
  /** Mean J over the converged frames of the injected delays alone and of the intended schedule (`due_at_ms`), ms. */
  meanInjectedJ: number;
  meanDueJ: number;
  /** Per converged frame, |J ours − J truth| / J truth. */
  perFrameRelative: Summary;
  /** Share of converged frames after which the reported J was off by more than the goal. */
  shareOverGoal: number;
  /** Downstream transit variation per frame: D ours − D truth, ms. */
  transitDelta: Summary;
  /** |my D from arrival stamps| − reported |D|, ms: checks the stamps (should be µs). */
  stampCheckMaxMs: number;
  /** Simulator timer lateness, sent_at − due_at, ms (inside the truth). */
  simulatorLateness: Summary;
  /** Loss. */
  oursLost: number;
  oursLate: number;
  truthDropped: number;
  /**
   * Dropped frames between the first and the last frame written: the holes a receiver can see.
   * Drops before the first written frame (`leading`) or after the last one are invisible.
   */
  truthDroppedVisible: number;
  truthDroppedLeading: number;
  truthUnsent: number;
  sendLag: Summary;
}

function compare(
  phase: 'jitter' | 'loss',
  ours: OurSession,
  truth: TruthSession,
): SessionComparison {
  const written = truth.records.filter((record) => record.sent_at_ms !== null);
  const truthSeries = jitterSeries(
    written.map((record) => ({ atMs: record.sent_at_ms ?? Number.NaN, index: record.index })),
  );
  const dueSeries = jitterSeries(
    written.map((record) => ({ atMs: record.due_at_ms, index: record.index })),
  );
  const injectedSeries = jitterSeries(
    written.map((record) => ({
      atMs: record.index * FRAME_MS + record.delay_ms,
      index: record.index,
    })),
  );
  const count = Math.min(ours.frames.length, written.length);
  const relative: number[] = [];
  const transitDelta: number[] = [];
  const oursJ: number[] = [];
  const truthJ: number[] = [];
  const oursAbsD: number[] = [];
  const truthAbsD: number[] = [];
  let stampCheckMaxMs = 0;
  for (let index = 0; index < count; index++) {
    const frame = ours.frames[index] as OurFrame;
    const record = written[index] as AudioFrameRecord;
    const tj = truthSeries.j[index] ?? Number.NaN;
    const td = truthSeries.d[index];
    if (frame.dAbs !== undefined && td !== undefined) {
      oursAbsD.push(frame.dAbs * 1000);
      truthAbsD.push(Math.abs(td) * 1000);
    }
    if (index > 0) {
      const previous = ours.frames[index - 1] as OurFrame;
      const previousRecord = written[index - 1] as AudioFrameRecord;
      const mediaMs = (record.index - previousRecord.index) * FRAME_MS;
      const myD = frame.arrivalMs - previous.arrivalMs - mediaMs;
      if (frame.dAbs !== undefined)
        stampCheckMaxMs = Math.max(stampCheckMaxMs, Math.abs(Math.abs(myD) - frame.dAbs * 1000));
      if (td !== undefined) transitDelta.push(myD - td * 1000);
    }
    if (index >= CONVERGED_AFTER) {
      oursJ.push(frame.jitter * 1000);
      truthJ.push(tj * 1000);
      relative.push(Math.abs(frame.jitter - tj) / tj);
    }
  }
  const last = ours.frames[count - 1];
  const finalOurs = (last?.jitter ?? Number.NaN) * 1000;
  const finalTruth = (truthSeries.j[count - 1] ?? Number.NaN) * 1000;
  const meanOurs = meanOf(oursJ);
  const meanTruth = meanOf(truthJ);
  const firstWritten = written[0]?.index ?? -1;
  const lastWritten = written[written.length - 1]?.index ?? -1;
  return {
    phase,
    target: ours.target,
    connection: truth.connection,
    received: ours.frames.length,
    truthSent: written.length,
    finalJ: { ours: finalOurs, truth: finalTruth, relative: (finalOurs - finalTruth) / finalTruth },
    meanJ: { ours: meanOurs, truth: meanTruth, relative: (meanOurs - meanTruth) / meanTruth },
    meanAbsD: { ours: meanOf(oursAbsD), truth: meanOf(truthAbsD) },
    meanInjectedJ: meanOf(injectedSeries.j.slice(CONVERGED_AFTER, count)) * 1000,
    meanDueJ: meanOf(dueSeries.j.slice(CONVERGED_AFTER, count)) * 1000,
    perFrameRelative: summarize(relative),
    shareOverGoal: relative.filter((value) => value > JITTER_GOAL).length / relative.length,
    transitDelta: summarize(transitDelta),
    stampCheckMaxMs,
    simulatorLateness: summarize(
      written.map((record) => (record.sent_at_ms ?? Number.NaN) - record.due_at_ms),
    ),
    oursLost: ours.lost,
    oursLate: ours.late,
    truthDropped: truth.records.filter((record) => record.dropped).length,
    truthDroppedVisible: truth.records.filter(
      (record) => record.dropped && record.index > firstWritten && record.index < lastWritten,
    ).length,
    truthDroppedLeading: truth.records.filter(
      (record) => record.dropped && record.index < firstWritten,
    ).length,
    truthUnsent: truth.records.filter((record) => !record.dropped && record.sent_at_ms === null)
      .length,
    sendLag: summarize(ours.sendLagSeconds.map((seconds) => seconds * 1000)),
  };
}

/**
 * Pairs our sessions with the simulator's connections: both in connect order (the targets start
 * 200 ms apart, sessions of one target follow each other). The frame counts check the pairing.
 */
function pairSessions(
  phase: 'jitter' | 'loss',
  targets: readonly RunningTarget[],
  truth: readonly TruthSession[],
): { comparisons: SessionComparison[]; unmatched: number } {
  const ours = targets
    .flatMap((target) => target.sessions)
    .filter((session) => session.frames.length > 0)
    .sort((a, b) => a.connectedAtMs - b.connectedAtMs);
  const comparisons: SessionComparison[] = [];
  let unmatched = Math.abs(ours.length - truth.length);
  for (let index = 0; index < Math.min(ours.length, truth.length); index++) {
    const comparison = compare(phase, ours[index] as OurSession, truth[index] as TruthSession);
    if (comparison.received !== comparison.truthSent) unmatched++;
    comparisons.push(comparison);
  }
  return { comparisons, unmatched };
}

// ---------------------------------------------------------------------------------------------
// The run

export interface AudioFidelityResult {
  machine: Machine;
  jitter: SessionComparison[];
  loss: SessionComparison[];
  unmatched: number;
  /** From the in-process registry, per target, after the run. */
  exported: {
    target: string;
    jitterGaugeMs: number;
    lastSessionFinalJ: { ours: number; truth: number };
    framesInbound: number;
    lostMissing: number;
    lostLate: number;
    deviationMeanMs: number;
  }[];
  lossTotals: {
    received: number;
    oursLost: number;
    oursLate: number;
    /** (missing + late) / (received + missing). */
    oursRatio: number;
    truthSent: number;
    truthDropped: number;
    truthDroppedVisible: number;
    truthDroppedLeading: number;
    truthUnsent: number;
    /** dropped / (sent + dropped). */
    truthRatio: number;
    /** Same, counting only dropped frames a receiver can see (before the last written one). */
    truthVisibleRatio: number;
  };
  /** This process's event-loop delay over the run, ms (10 ms sampling timer subtracted). */
  eventLoop: { p50: number; p99: number; max: number };
  seconds: number;
}

function exportedFigures(
  samples: readonly Sample[],
  target: string,
): { gauge: number; inbound: number; missing: number; late: number; deviationMeanMs: number } {
  const value = (name: string, labels: Record<string, string>) =>
    samples.find(
      (sample) =>
        sample.name === name &&
        Object.entries({ target, ...labels }).every(([key, v]) => sample.labels[key] === v),
    )?.value ?? 0;
  const sum = value('cxprobe_audio_interarrival_deviation_seconds_sum', { direction: 'inbound' });
  const count = value('cxprobe_audio_interarrival_deviation_seconds_count', {
    direction: 'inbound',
  });
  return {
    gauge: value('cxprobe_audio_jitter_seconds', { direction: 'inbound' }),
    inbound: value('cxprobe_audio_frames_total', { direction: 'inbound' }),
    missing: value('cxprobe_audio_frames_lost_total', { direction: 'inbound', cause: 'missing' }),
    late: value('cxprobe_audio_frames_lost_total', { direction: 'inbound', cause: 'late' }),
    deviationMeanMs: count === 0 ? Number.NaN : (sum / count) * 1000,
  };
}

export async function runAudioFidelity(
  jitterSessions = numberFlag('jitter-sessions', 3),
  jitterSeconds = numberFlag('jitter-seconds', 20),
  lossTargets = numberFlag('loss-targets', 5),
  lossSessions = numberFlag('loss-sessions', 2),
  lossSeconds = numberFlag('loss-seconds', 30),
): Promise<AudioFidelityResult> {
  const info = machine();
  console.log('# Audio fidelity (bench/audio-fidelity.ts)');
  console.log(describeMachine(info));
  console.log(
    `jitter: ${String(jitterSessions)} × ${String(jitterSeconds)} s sessions, frame_delay uniform [0, ${String(DELAY.random_ms)}] ms; loss: ${String(lossTargets)} targets × ${String(lossSessions)} × ${String(lossSeconds)} s, same delay + frame_loss_rate ${String(LOSS_RATE)}; 20 ms PCMU frames, echo`,
  );
  const jitterFaults: FaultsPatch = { ws_endpoints: { audiohook: { frame_delay: DELAY } } };
  const lossFaults: FaultsPatch = {
    ws_endpoints: { audiohook: { frame_delay: DELAY, frame_loss_rate: LOSS_RATE } },
  };
  const jitterSim = await startSimulatorProcess(jitterFaults);
  const lossSim = await startSimulatorProcess(lossFaults);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const started = performance.now();
  try {
    const metrics = createMetrics({ version: 'bench', revision: 'bench' });
    loop.enable();
    const [jitterTargets, lossTargetsRunning] = await Promise.all([
      startTargets(jitterSim.url, ['jitter'], jitterSessions, jitterSeconds, metrics, 0),
      startTargets(
        lossSim.url,
        Array.from({ length: lossTargets }, (_, index) => `loss-${String(index)}`),
        lossSessions,
        lossSeconds,
        metrics,
        200,
      ),
    ]);
    const all = [...jitterTargets, ...lossTargetsRunning];
    const limitMs = Math.max(jitterSessions * jitterSeconds, lossSessions * lossSeconds) * 1000;
    const finished = await Promise.race([
      Promise.all(all.map((target) => target.done)).then(() => true),
      sleep(limitMs + 30_000).then(() => false),
    ]);
    loop.disable();
    if (!finished) {
      console.log('warning: not every target finished its sessions in time; stopping them');
      await Promise.all(all.map((target) => target.runner.stop()));
    }
    const seconds = (performance.now() - started) / 1000;
    const jitterPairs = pairSessions('jitter', jitterTargets, await truthSessions(jitterSim));
    const lossPairs = pairSessions('loss', lossTargetsRunning, await truthSessions(lossSim));
    const samples = parseSamples(await metrics.registries.prometheus.metrics());
    const allComparisons = [...jitterPairs.comparisons, ...lossPairs.comparisons];
    const exported = all.map((target) => {
      const figures = exportedFigures(samples, target.name);
      const mine = allComparisons.filter((comparison) => comparison.target === target.name);
      const lastSession = mine[mine.length - 1];
      return {
        target: target.name,
        jitterGaugeMs: figures.gauge * 1000,
        lastSessionFinalJ: {
          ours: lastSession?.finalJ.ours ?? Number.NaN,
          truth: lastSession?.finalJ.truth ?? Number.NaN,
        },
        framesInbound: figures.inbound,
        lostMissing: figures.missing,
        lostLate: figures.late,
        deviationMeanMs: figures.deviationMeanMs,
      };
    });
    const sumOver = (pick: (comparison: SessionComparison) => number) =>
      lossPairs.comparisons.reduce((total, comparison) => total + pick(comparison), 0);
    const received = sumOver((c) => c.received);
    const oursLost = sumOver((c) => c.oursLost);
    const oursLate = sumOver((c) => c.oursLate);
    const truthSent = sumOver((c) => c.truthSent);
    const truthDropped = sumOver((c) => c.truthDropped);
    const truthDroppedVisible = sumOver((c) => c.truthDroppedVisible);
    const result: AudioFidelityResult = {
      machine: info,
      jitter: jitterPairs.comparisons,
      loss: lossPairs.comparisons,
      unmatched: jitterPairs.unmatched + lossPairs.unmatched,
      exported,
      lossTotals: {
        received,
        oursLost,
        oursLate,
        oursRatio: (oursLost + oursLate) / (received + oursLost),
        truthSent,
        truthDropped,
        truthDroppedVisible,
        truthDroppedLeading: sumOver((c) => c.truthDroppedLeading),
        truthUnsent: sumOver((c) => c.truthUnsent),
        truthRatio: truthDropped / (truthSent + truthDropped),
        truthVisibleRatio: truthDroppedVisible / (truthSent + truthDroppedVisible),
      },
      eventLoop: {
        p50: loop.percentile(50) / 1e6 - 10,
        p99: loop.percentile(99) / 1e6 - 10,
        max: loop.max / 1e6 - 10,
      },
      seconds,
    };
    console.log(report(result));
    return result;
  } finally {
    loop.disable();
    await jitterSim.stop();
    await lossSim.stop();
  }
}

function pct(ratio: number, digits = 2): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)} %` : 'n/a';
}

function signedPct(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${pct(ratio)}`;
}

function report(result: AudioFidelityResult): string {
  const comparisons = [...result.jitter, ...result.loss];
  const rows = comparisons.map((c) => [
    `${c.phase} ${c.target} #${String(c.connection)}`,
    `${String(c.received)}/${String(c.truthSent)}`,
    `${fmtMs(c.meanInjectedJ)} / ${fmtMs(c.meanDueJ)} / ${fmtMs(c.meanJ.truth)} / ${fmtMs(c.meanJ.ours)}`,
    signedPct(c.meanJ.relative),
    `${fmtMs(c.finalJ.truth)} / ${fmtMs(c.finalJ.ours)}`,
    signedPct(c.finalJ.relative),
    `${pct(c.perFrameRelative.median)} / ${pct(c.perFrameRelative.p99)} / ${pct(c.perFrameRelative.max)}`,
    pct(c.shareOverGoal),
  ]);
  const transit = comparisons.map((c) => [
    `${c.phase} ${c.target} #${String(c.connection)}`,
    `${fmtMs(c.meanAbsD.truth)} / ${fmtMs(c.meanAbsD.ours)}`,
    `${fmtMs(c.transitDelta.median)} / ${fmtMs(c.transitDelta.p99)} / ${fmtMs(c.transitDelta.min)} / ${fmtMs(c.transitDelta.max)}`,
    `${fmtMs(c.simulatorLateness.median)} / ${fmtMs(c.simulatorLateness.p99)} / ${fmtMs(c.simulatorLateness.max)}`,
    `${fmtMs(c.sendLag.median)} / ${fmtMs(c.sendLag.p99)} / ${fmtMs(c.sendLag.max)}`,
    (c.stampCheckMaxMs * 1000).toFixed(1),
  ]);
  const lossRows = result.loss.map((c) => [
    `${c.target} #${String(c.connection)}`,
    String(c.received),
    String(c.oursLost),
    String(c.oursLate),
    String(c.truthSent),
    String(c.truthDropped),
    String(c.truthDroppedVisible),
    String(c.truthDroppedLeading),
    String(c.truthUnsent),
  ]);
  const t = result.lossTotals;
  const finals = comparisons.map((c) => Math.abs(c.finalJ.relative));
  const means = comparisons.map((c) => Math.abs(c.meanJ.relative));
  const within = finals.filter((value) => value <= JITTER_GOAL).length;
  const converged = comparisons.map((c) => c.perFrameRelative.n);
  const pooledOver =
    comparisons.reduce((total, c) => total + c.shareOverGoal * c.perFrameRelative.n, 0) /
    converged.reduce((a, b) => a + b, 0);
  const lossDiffPp = (t.oursRatio - t.truthRatio) * 100;
  const exportedRows = result.exported.map((e) => [
    e.target,
    fmtMs(e.jitterGaugeMs),
    `${fmtMs(e.lastSessionFinalJ.ours)} / ${fmtMs(e.lastSessionFinalJ.truth)}`,
    String(e.framesInbound),
    `${String(e.lostMissing)} / ${String(e.lostLate)}`,
    fmtMs(e.deviationMeanMs),
  ]);
  return [
    '',
    `run ${result.seconds.toFixed(1)} s; sessions paired by connect order; pairs whose frame counts differ: ${String(result.unmatched)}`,
    `J of the injected delays alone, theory: ${INJECTED_J_THEORY_MS.toFixed(3)} ms (E|X−Y|, X, Y uniform on 0..20 ms)`,
    '',
    `Jitter per session (ms). Means over frames ${String(CONVERGED_AFTER)}… of: injected = J of delay_ms alone; due = J of due_at_ms (our send lag + upstream transit + injected); truth = J of sent_at_ms (+ the simulator's timer lateness); cxprobe = reported. Final = after the last frame (the gauge at the session end). Per frame: |J cxprobe − J truth| / J truth after each converged frame, and the share of frames where it exceeds ${pct(JITTER_GOAL, 0)}.`,
    '',
    table(
      [
        'session',
        'frames ours/truth',
        'mean J injected / due / truth / cxprobe',
        'mean Δ',
        'final J truth / cxprobe',
        'final Δ',
        'per-frame |ΔJ|/J p50 / p99 / max',
        `frames > ${pct(JITTER_GOAL, 0)}`,
      ],
      rows,
    ),
    '',
    'Where the difference comes from (ms): downstream transit variation = D cxprobe − D truth per frame (simulator write → loopback → our handler); simulator timer lateness sent_at − due_at (inside the truth); our send lag; stamp check = max ||D from our stamps| − reported |D||, µs.',
    '',
    table(
      [
        'session',
        'mean |D| truth / cxprobe',
        'D cxprobe − D truth p50 / p99 / min / max',
        'sim lateness p50 / p99 / max',
        'our send lag p50 / p99 / max',
        'stamp check µs',
      ],
      transit,
    ),
    '',
    `final J within ${pct(JITTER_GOAL, 0)} of truth: ${String(within)} of ${String(finals.length)} sessions (worst ${pct(Math.max(...finals))}); mean J: worst ${pct(Math.max(...means))}; pooled over every converged frame of every session, reported J off by more than ${pct(JITTER_GOAL, 0)} after ${pct(pooledOver)} of frames`,
    `this process's event-loop delay over the run (10 ms timer subtracted): p50 ${fmtMs(result.eventLoop.p50)}, p99 ${fmtMs(result.eventLoop.p99)}, max ${fmtMs(result.eventLoop.max)} ms`,
    '',
    `Loss per session (frame_loss_rate ${String(LOSS_RATE)}): visible = dropped between the first and the last frame written (holes a receiver can see); leading = dropped before the first frame written; unsent = abandoned at the close.`,
    '',
    table(
      [
        'session',
        'received',
        'cxprobe missing',
        'cxprobe late',
        'truth sent',
        'truth dropped',
        'visible',
        'leading',
        'unsent',
      ],
      lossRows,
    ),
    '',
    `loss totals: cxprobe (missing ${String(t.oursLost)} + late ${String(t.oursLate)}) / (received ${String(t.received)} + missing) = ${pct(t.oursRatio, 3)}; simulator dropped ${String(t.truthDropped)} / (sent ${String(t.truthSent)} + dropped) = ${pct(t.truthRatio, 3)} (visible holes only: ${pct(t.truthVisibleRatio, 3)}; ${String(t.truthDroppedLeading)} leading drops); cxprobe missing − visible drops = ${String(t.oursLost - t.truthDroppedVisible)}; difference ${lossDiffPp >= 0 ? '+' : ''}${lossDiffPp.toFixed(3)} pp (goal ±${String(LOSS_GOAL_PP)} pp: ${Math.abs(lossDiffPp) <= LOSS_GOAL_PP ? 'met' : 'not met'})`,
    '',
    'What the exporter would export (in-process registry, read as a scrape): the gauge holds the last session’s final J.',
    '',
    table(
      [
        'target',
        'cxprobe_audio_jitter_seconds (ms)',
        'last session final J cxprobe / truth',
        'frames_total inbound',
        'lost missing / late',
        'deviation _sum/_count (ms)',
      ],
      exportedRows,
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAudioFidelity();
  // The in-process metrics keep event-loop monitors; nothing else should be left running.
  process.exit(process.exitCode ?? 0);
}
