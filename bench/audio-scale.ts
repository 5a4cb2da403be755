/**
 * Audio at scale: can one process pace 200 concurrent 20 ms audio streams (10,000 frames/s each
 * way) with a sender lag p99 of at most 2 ms, and what does that cost?
 *
 * Three variants, one after the other, each against a fresh simulator process (AudioHook /
 * Audio Connector echo, no faults) that shares the two cores with it:
 *
 * - `drift-free` — the cxprobe code path in a child process (this file with `--role=streams`):
 *   200 `audiohook` targets with `echo: true` run by `SessionRunner` exactly as the exporter
 *   runs them (`createFramePacer` behind `createOutbound`), with an event pipeline that keeps every
 *   frame's `latenessSeconds` (what `cxprobe_audio_send_lag_seconds` observes) and |D|;
 * - `setInterval` — the same child with the same sessions (`AudiohookClientSession`, the real
 *   `createInbound`, the same source, encoding and tags), but the outbound paced by
 *   `createIntervalPacer`, one `setInterval(20)` per stream; its lateness is measured against
 *   the ideal grid start + (n + 1) × 20 ms, so it includes drift;
 * - `exporter` — `cxprobe run` with the same 200 targets, scraped every 15 s as Prometheus
 *   would; sender lag from the increase of the `cxprobe_audio_send_lag_seconds` histogram.
 *
 * Per variant, after a warm-up, over a window: sender lag percentiles, CPU (user + system, all
 * threads, from /proc) of the streams process and of the simulator, RSS, event-loop delay.
 *
 * Usage: `npx tsx bench/audio-scale.ts [--streams=200] [--seconds=30] [--warmup=5]
 * [--variants=drift-free,setInterval,exporter]`.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeFrame, samplesPerFrame } from '../src/audio/codec.ts';
import { createIntervalPacer, type FramePacer } from '../src/audio/pacer.ts';
import { talkThenSilenceSource } from '../src/audio/sources.ts';
import { normaliseAuthority, signAudiohookRequest } from '../src/auth/audiohook-signature.ts';
import { parseConfig } from '../src/config/load.ts';
import { SEND_LAG_BUCKETS } from '../src/metrics/catalogue.ts';
import { createInbound, type PausableOutboundAudio } from '../src/probers/audio/streams.ts';
import { AudiohookChannel } from '../src/probers/audiohook/channel.ts';
import { AudiohookClientSession } from '../src/probers/audiohook/client-session.ts';
import { awaitOpened } from '../src/probers/audiohook/open-transaction.ts';
import { createTargetProber } from '../test/support/probers.ts';
import { SessionRunner } from '../src/runtime/session-runner.ts';
import type { SessionContext } from '../src/probers/session/types.ts';
import type { Emit } from '../src/events/probe-event.ts';
import { connectWebSocket } from '../src/probers/session/ws-connect.ts';
import {
  bucketDelta,
  bucketize,
  describeMachine,
  checkOpenFileLimit,
  fmtBytes,
  fmtMs,
  histogramBuckets,
  histogramQuantile,
  isMain,
  machine,
  numberFlag,
  processCpuSeconds,
  processMemory,
  spawnIpcChild,
  startBenchExporter,
  startSimulatorProcess,
  summarize,
  table,
  type Bucket,
  type Machine,
  type Summary,
} from './lib.ts';
import { sleep } from '../test/support/wait.ts';
import { parseSamples, sumOf, type Sample } from '../test/support/exposition.ts';
import {
  AUDIOHOOK_API_KEY,
  AUDIOHOOK_CLIENT_SECRET,
} from '../test/support/simulator-credentials.ts';
import { NO_DEPS } from '../test/support/probe-setup.ts';

const RATE = 8000;
const FRAME_MS = 20;
/** Long enough that no session ends during warm-up + window: no reconnect churn is measured. */
const SESSION_SECONDS = 120;
/** The issue's goal for the sender lag p99, ms. */
export const SEND_LAG_GOAL_MS = 2;
const SCRAPE_EVERY_MS = 15_000;

type Pacing = 'drift-free' | 'setInterval';

function targetsYaml(url: string, count: number): string {
  const lines = ['targets:'];
  for (let index = 0; index < count; index++)
    lines.push(
      `  - name: stream-${String(index)}`,
      '    kind: audiohook',
      `    url: ${url}`,
      `    api_key: ${AUDIOHOOK_API_KEY}`,
      `    client_secret: ${AUDIOHOOK_CLIENT_SECRET}`,
      '    timeout: 10s',
      `    interval: ${String(SESSION_SECONDS)}s`,
      `    session_length: ${String(SESSION_SECONDS)}s`,
      `    frame_duration: ${String(FRAME_MS)}ms`,
      '    echo: true',
    );
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The streams process (`--role=streams`), driven over IPC

interface StreamsReply {
  id: number;
  open: number;
  failed: number;
  closed: number;
  /** Only in the answer to `stop`: */
  latenessMs?: Float64Array;
  deviationMs?: Float64Array;
  /** Per stream, last J at `stop`, ms. */
  jitterMs?: number[];
  /** setInterval only: time between consecutive sends of a stream, ms. */
  gapsMs?: Float64Array;
  /** setInterval only: per stream, growth of lateness over the window, ms per s. */
  driftMsPerSecond?: number[];
  framesReceived?: number;
  lost?: number;
  late?: number;
  /** Event-loop delay over the window, ms, 10 ms sampling timer subtracted. */
  loop?: { p50: number; p99: number; max: number };
}

/** A growable Float64Array. */
class Series {
  #data = new Float64Array(1 << 16);
  #length = 0;
  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }
  values(): Float64Array {
    return this.#data.slice(0, this.#length);
  }
}

interface StreamState {
  lastJitter: number;
  /** setInterval only: previous send, and lateness at the first and last send of the window. */
  previousSentMs: number | undefined;
  first: { atMs: number; latenessMs: number } | undefined;
  last: { atMs: number; latenessMs: number } | undefined;
}

function runStreamsChild(url: string, count: number, pacing: Pacing): void {
  let open = 0;
  let failed = 0;
  let closed = 0;
  let recording = false;
  let lateness = new Series();
  let deviation = new Series();
  let gaps = new Series();
  let framesReceived = 0;
  let lost = 0;
  let late = 0;
  const streams: StreamState[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const emitFor =
    (state: StreamState): Emit =>
    (event) => {
      switch (event.type) {
        case 'connected':
          open++;
          return;
        case 'connect_failed':
          failed++;
          return;
        case 'closed':
          closed++;
          return;
        case 'frame_sent':
          if (recording) lateness.push(event.lateSeconds * 1000);
          return;
        case 'frame_received':
          state.lastJitter = event.jitterSeconds;
          if (!recording) return;
          framesReceived++;
          if (event.deviationSeconds !== undefined) deviation.push(event.deviationSeconds * 1000);
          return;
        case 'loss':
          if (!recording) return;
          lost += event.lost;
          late += event.late;
          return;
        default:
          return;
      }
    };

  const newState = (): StreamState => {
    const state: StreamState = {
      lastJitter: Number.NaN,
      previousSentMs: undefined,
      first: undefined,
      last: undefined,
    };
    streams.push(state);
    return state;
  };

  const stoppers: (() => Promise<void>)[] = [];
  if (pacing === 'drift-free') {
    void (async () => {
      const config = await parseConfig(targetsYaml(url, count), 'audio-scale.yml', {});
      for (const target of config.targets) {
        const built = createTargetProber(target, config, NO_DEPS);
        if (built.mode !== 'session') throw new Error('audiohook is a session kind');
        const runner = new SessionRunner(built.protocol, emitFor(newState()), built.backoff);
        runner.start();
        stoppers.push(() => runner.stop());
      }
    })();
  } else {
    const controller = new AbortController();
    for (let index = 0; index < count; index++) {
      const state = newState();
      openIntervalSession(
        url,
        { emit: emitFor(state), signal: controller.signal },
        state,
        () => recording,
      )
        .then((session) => {
          stoppers.push(async () => {
            session.close();
            await session.ended;
          });
        })
        .catch(() => {
          failed++;
        });
    }
    stoppers.push(() => {
      controller.abort();
      return Promise.resolve();
    });
    // The interval pacer's gaps come through the state, collected here.
    intervalGapSink = (gapMs) => {
      if (recording) gaps.push(gapMs);
    };
  }

  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { id: number; command: string }) => {
    const { id, command } = message;
    if (command === 'start') {
      lateness = new Series();
      deviation = new Series();
      gaps = new Series();
      framesReceived = 0;
      lost = 0;
      late = 0;
      for (const state of streams) {
        state.first = undefined;
        state.last = undefined;
      }
      loop.reset();
      recording = true;
    }
    const reply: StreamsReply = { id, open, failed, closed };
    if (command === 'stop') {
      recording = false;
      reply.latenessMs = lateness.values();
      reply.deviationMs = deviation.values();
      reply.jitterMs = streams.map((state) => state.lastJitter * 1000);
      reply.framesReceived = framesReceived;
      reply.lost = lost;
      reply.late = late;
      reply.loop = {
        p50: loop.percentile(50) / 1e6 - 10,
        p99: loop.percentile(99) / 1e6 - 10,
        max: loop.max / 1e6 - 10,
      };
      if (pacing === 'setInterval') {
        reply.gapsMs = gaps.values();
        reply.driftMsPerSecond = streams.flatMap((state) =>
          state.first === undefined ||
          state.last === undefined ||
          state.last.atMs <= state.first.atMs
            ? []
            : [
                ((state.last.latenessMs - state.first.latenessMs) /
                  (state.last.atMs - state.first.atMs)) *
                  1000,
              ],
        );
      }
    }
    if (command === 'shutdown') {
      void Promise.all(stoppers.map((stop) => stop())).then(() => {
        process.send?.(reply);
      });
      return;
    }
    process.send?.(reply);
  });
}

let intervalGapSink: (gapMs: number) => void = () => undefined;

/**
 * One AudioHook session as `createAudiohookProtocol` opens it (signed upgrade, `open`, `opened`,
 * then the real `AudiohookClientSession` and `createInbound`), with an outbound that is
 * `createOutbound` line for line except for its pacer: `createIntervalPacer`.
 */
async function openIntervalSession(
  url: string,
  context: Omit<SessionContext, 'log'>,
  state: StreamState,
  recording: () => boolean,
): Promise<AudiohookClientSession> {
  const sessionId = randomUUID();
  const organizationId = randomUUID();
  const target = new URL(url);
  const headers = {
    'Audiohook-Organization-Id': organizationId,
    'Audiohook-Session-Id': sessionId,
    'Audiohook-Correlation-Id': randomUUID(),
    'X-API-KEY': AUDIOHOOK_API_KEY,
  };
  const signed = signAudiohookRequest(
    {
      requestTarget: `${target.pathname}${target.search}`,
      authority: normaliseAuthority(target),
      organizationId,
      sessionId,
      correlationId: headers['Audiohook-Correlation-Id'],
      apiKey: AUDIOHOOK_API_KEY,
    },
    AUDIOHOOK_CLIENT_SECRET,
  );
  const { socket } = await connectWebSocket({
    url,
    headers: { ...headers, 'Signature-Input': signed.signatureInput, Signature: signed.signature },
    timeoutMs: 10_000,
    maxPayload: 1024 * 1024,
    signal: context.signal,
  });
  const media = { type: 'audio', format: 'PCMU', channels: ['external'], rate: RATE };
  const log = { info: () => undefined, error: () => undefined };
  const fullContext: SessionContext = { ...context, log };
  const channel = new AudiohookChannel(socket, sessionId);
  channel.send('open', {
    organizationId,
    conversationId: randomUUID(),
    participant: { id: randomUUID(), ani: '+15550100', aniName: 'cxprobe', dnis: '+15550199' },
    media: [media],
    language: 'en-US',
  });
  await awaitOpened(channel, fullContext, { openTimeoutMs: 10_000, closeTimeoutMs: 10_000 });
  context.emit({ type: 'connected', phases: {} });
  const format = { codec: 'PCMU' as const, channels: 1, rate: RATE };
  const outbound = intervalOutbound(context.emit, state, recording, (frame) => {
    if (socket.readyState === socket.OPEN) socket.send(frame);
  });
  const holder: { session?: AudiohookClientSession } = {};
  const inbound = createInbound({
    format,
    frameMs: FRAME_MS,
    playoutMs: 60,
    silenceDbfs: -40,
    emit: context.emit,
    lastUtteranceEnd: () => outbound.lastUtteranceEnd(),
    tagged: true,
    rttSeconds: () => holder.session?.rttSeconds,
  });
  holder.session = new AudiohookClientSession(
    channel,
    fullContext,
    {
      pingIntervalMs: 5_000,
      pingTimeoutMs: 5_000,
      closeTimeoutMs: 10_000,
      sessionLengthMs: SESSION_SECONDS * 1000,
      nextSessionInMs: () => 0,
    },
    outbound,
    inbound,
  );
  return holder.session;
}

/** `createOutbound` (src/probers/audio/streams.ts) with the `talk` source, PCMU, tags, and a setInterval pacer. */
function intervalOutbound(
  emit: Emit,
  state: StreamState,
  recording: () => boolean,
  send: (frame: Buffer) => void,
): PausableOutboundAudio {
  const frameSamples = samplesPerFrame(RATE, FRAME_MS);
  const makeSource = () =>
    talkThenSilenceSource({
      sampleRate: RATE,
      samplesPerFrame: frameSamples,
      channels: 1,
      utteranceMs: 1_000,
      silenceMs: 2_000,
      talk: { frequencyHz: 440, levelDbfs: -20 },
    });
  let source = makeSource();
  let samplesSent = 0;
  let utteranceEndedAt: number | undefined;
  let pacer: FramePacer | undefined;
  let paused = false;
  const onFrame = (lateness: number) => {
    // The simulator never pauses a benchmark stream; a pause would only skip frames.
    if (paused) return;
    let frame = source.nextFrame();
    if (frame === undefined) {
      source = makeSource();
      frame = source.nextFrame();
      if (frame === undefined) return;
    }
    const startPosition = source.position - (frame[0]?.length ?? 0);
    const sentAt = performance.now();
    const encoded = encodeFrame('PCMU', frame);
    if (encoded.length >= 16) {
      encoded.writeUInt32BE(0x43585031, 0);
      encoded.writeUInt32BE(samplesSent >>> 0, 4);
    }
    send(encoded);
    emit({ type: 'frame_sent', lateSeconds: lateness });
    samplesSent += frame[0]?.length ?? 0;
    const utteranceEnd = source.utteranceEndPosition;
    if (startPosition < utteranceEnd && source.position >= utteranceEnd)
      utteranceEndedAt = sentAt + ((utteranceEnd - startPosition) / RATE) * 1000;
  };
  return {
    start() {
      if (pacer?.running === true) return;
      pacer = createIntervalPacer({
        frameMs: FRAME_MS,
        onFrame: (paced) => {
          if (recording()) {
            const latenessMs = paced.latenessSeconds * 1000;
            state.first ??= { atMs: paced.sentAtMs, latenessMs };
            state.last = { atMs: paced.sentAtMs, latenessMs };
            if (state.previousSentMs !== undefined)
              intervalGapSink(paced.sentAtMs - state.previousSentMs);
          }
          state.previousSentMs = paced.sentAtMs;
          onFrame(paced.latenessSeconds);
        },
        onError: () => undefined,
      });
      pacer.start();
    },
    stop() {
      pacer?.stop();
    },
    get positionSeconds() {
      return samplesSent / RATE;
    },
    get sentSeconds() {
      return samplesSent / RATE;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    get paused() {
      return paused;
    },
    discardTo: () => undefined,
    lastUtteranceEnd: () => utteranceEndedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// The parent

export interface VariantResult {
  variant: 'drift-free' | 'setInterval' | 'exporter';
  streamsOpen: number;
  windowSeconds: number;
  framesSentPerSecond: number;
  framesReceivedPerSecond: number;
  /** Exact per-frame lateness (the two child variants), ms. */
  lateness: Summary | undefined;
  /** Share of frames with lag ≤ 2 ms: exact, or from the histogram's 2 ms bucket. */
  shareWithinGoal: number;
  /** p99 through the exporter's buckets (histogram_quantile), ms. */
  bucketP99Ms: number;
  /** Share of frames with lag > 20 ms (a whole frame). */
  shareOverFrame: number;
  deviation: Summary | undefined;
  jitterMs: Summary;
  lost: number;
  late: number;
  cpuShare: number;
  simulatorCpuShare: number;
  rssBytes: number;
  peakRssBytes: number;
  simulatorRssBytes: number;
  loop: { p50: number; p99: number; max: number } | undefined;
  /** setInterval: inter-send gaps, ms, and drift per stream, ms per s. */
  gaps: Summary | undefined;
  drift: Summary | undefined;
  /** exporter: scrape durations, ms, and the size of the last one. */
  scrapeMs: number[];
  scrape?: { bytes: number; samples: number };
  /** exporter: bucket increase of the send-lag histogram. */
  buckets: Bucket[];
}

async function runChildVariant(
  pacing: Pacing,
  streams: number,
  seconds: number,
  warmupSeconds: number,
): Promise<VariantResult> {
  const simulator = await startSimulatorProcess();
  const child = spawnIpcChild([
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--role=streams',
    `${simulator.url.replace('http', 'ws')}/api/v1/audioconnector/ws`,
    String(streams),
    pacing,
  ]);
  try {
    const deadline = Date.now() + 60_000;
    let status = await child.ask<StreamsReply>({ command: 'status' });
    while (status.open < streams && Date.now() < deadline) {
      await sleep(250);
      status = await child.ask<StreamsReply>({ command: 'status' });
    }
    if (status.open < streams)
      console.log(`warning: only ${String(status.open)} of ${String(streams)} streams opened`);
    await sleep(warmupSeconds * 1000);
    const cpu0 = processCpuSeconds(child.pid);
    const sim0 = processCpuSeconds(simulator.pid);
    const t0 = performance.now();
    await child.ask({ command: 'start' });
    await sleep(seconds * 1000);
    const reply = await child.ask<StreamsReply>({ command: 'stop' });
    const windowSeconds = (performance.now() - t0) / 1000;
    const cpu = processCpuSeconds(child.pid) - cpu0;
    const sim = processCpuSeconds(simulator.pid) - sim0;
    const memory = processMemory(child.pid);
    const simulatorMemory = processMemory(simulator.pid);
    await child.ask({ command: 'shutdown' }, 30_000).catch(() => undefined);
    const lateness = [...(reply.latenessMs ?? [])];
    const buckets = bucketize(
      lateness.map((ms) => Math.max(0, ms) / 1000),
      SEND_LAG_BUCKETS,
    );
    return {
      variant: pacing,
      streamsOpen: reply.open - reply.closed,
      windowSeconds,
      framesSentPerSecond: lateness.length / windowSeconds,
      framesReceivedPerSecond: (reply.framesReceived ?? 0) / windowSeconds,
      lateness: summarize(lateness),
      shareWithinGoal:
        lateness.filter((ms) => ms <= SEND_LAG_GOAL_MS).length / Math.max(1, lateness.length),
      bucketP99Ms: histogramQuantile(0.99, buckets) * 1000,
      shareOverFrame: lateness.filter((ms) => ms > FRAME_MS).length / Math.max(1, lateness.length),
      deviation: summarize([...(reply.deviationMs ?? [])]),
      jitterMs: summarize((reply.jitterMs ?? []).filter(Number.isFinite)),
      lost: reply.lost ?? 0,
      late: reply.late ?? 0,
      cpuShare: cpu / windowSeconds,
      simulatorCpuShare: sim / windowSeconds,
      rssBytes: memory.rss,
      peakRssBytes: memory.peakRss,
      simulatorRssBytes: simulatorMemory.rss,
      loop: reply.loop,
      gaps: reply.gapsMs === undefined ? undefined : summarize([...reply.gapsMs]),
      drift: reply.driftMsPerSecond === undefined ? undefined : summarize(reply.driftMsPerSecond),
      scrapeMs: [],
      buckets,
    };
  } finally {
    await child.stop();
    await simulator.stop();
  }
}

async function runExporterVariant(
  streams: number,
  seconds: number,
  warmupSeconds: number,
): Promise<VariantResult> {
  const simulator = await startSimulatorProcess();
  const exporter = await startBenchExporter(
    targetsYaml(`${simulator.url.replace('http', 'ws')}/api/v1/audioconnector/ws`, streams),
  );
  const scrape = async (): Promise<{ samples: Sample[]; ms: number; bytes: number }> => {
    const started = performance.now();
    const answer = await exporter.scrape();
    const ms = performance.now() - started;
    return { samples: parseSamples(answer.body), ms, bytes: Buffer.byteLength(answer.body) };
  };
  try {
    const deadline = Date.now() + 60_000;
    let first = await scrape();
    while (sumOf(first.samples, 'cxprobe_ws_connected') < streams && Date.now() < deadline) {
      await sleep(1_000);
      first = await scrape();
    }
    const open = sumOf(first.samples, 'cxprobe_ws_connected');
    if (open < streams)
      console.log(`warning: only ${String(open)} of ${String(streams)} exporter streams opened`);
    await sleep(warmupSeconds * 1000);
    const cpu0 = processCpuSeconds(exporter.pid);
    const sim0 = processCpuSeconds(simulator.pid);
    const t0 = performance.now();
    const before = await scrape();
    const scrapeMs = [before.ms];
    let after = before;
    const windowMs = seconds * 1000;
    for (let at = SCRAPE_EVERY_MS; ; at += SCRAPE_EVERY_MS) {
      const wait = Math.min(at, windowMs) - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      after = await scrape();
      scrapeMs.push(after.ms);
      if (at >= windowMs) break;
    }
    const windowSeconds = (performance.now() - t0) / 1000;
    const cpu = processCpuSeconds(exporter.pid) - cpu0;
    const sim = processCpuSeconds(simulator.pid) - sim0;
    const memory = processMemory(exporter.pid);
    const simulatorMemory = processMemory(simulator.pid);
    const lag = 'cxprobe_audio_send_lag_seconds';
    const buckets = bucketDelta(
      histogramBuckets(after.samples, lag),
      histogramBuckets(before.samples, lag),
    );
    const total = buckets[buckets.length - 1]?.count ?? 0;
    const within = buckets.find((bucket) => bucket.le === SEND_LAG_GOAL_MS / 1000)?.count ?? 0;
    const overFrame =
      total - (buckets.find((bucket) => bucket.le === FRAME_MS / 1000)?.count ?? total);
    const delta = (name: string, where: Record<string, string> = {}) =>
      sumOf(after.samples, name, where) - sumOf(before.samples, name, where);
    const jitter = after.samples
      .filter((sample) => sample.name === 'cxprobe_audio_jitter_seconds')
      .map((sample) => sample.value * 1000);
    const loopValue = (percentile: string) =>
      (after.samples.find(
        (sample) =>
          sample.name === 'cxprobe_event_loop_delay_seconds' &&
          sample.labels.percentile === percentile,
      )?.value ?? Number.NaN) *
        1000 -
      10;
    return {
      variant: 'exporter',
      streamsOpen: sumOf(after.samples, 'cxprobe_ws_connected'),
      windowSeconds,
      framesSentPerSecond:
        delta('cxprobe_audio_frames_total', { direction: 'outbound' }) / windowSeconds,
      framesReceivedPerSecond:
        delta('cxprobe_audio_frames_total', { direction: 'inbound' }) / windowSeconds,
      lateness: undefined,
      shareWithinGoal: total === 0 ? Number.NaN : within / total,
      bucketP99Ms: histogramQuantile(0.99, buckets) * 1000,
      shareOverFrame: total === 0 ? Number.NaN : overFrame / total,
      deviation: undefined,
      jitterMs: summarize(jitter),
      lost: delta('cxprobe_audio_frames_lost_total', { cause: 'missing' }),
      late: delta('cxprobe_audio_frames_lost_total', { cause: 'late' }),
      cpuShare: cpu / windowSeconds,
      simulatorCpuShare: sim / windowSeconds,
      rssBytes: memory.rss,
      peakRssBytes: memory.peakRss,
      simulatorRssBytes: simulatorMemory.rss,
      loop: { p50: loopValue('50'), p99: loopValue('99'), max: loopValue('100') },
      gaps: undefined,
      drift: undefined,
      scrapeMs,
      scrape: { bytes: after.bytes, samples: after.samples.length },
      buckets,
    };
  } finally {
    await exporter.stop();
    await simulator.stop();
  }
}

type VariantName = VariantResult['variant'];
const VARIANTS: readonly VariantName[] = ['drift-free', 'setInterval', 'exporter'];

/** `--variants=drift-free,setInterval,exporter` (the default, in that order). */
function variantsFlag(): VariantName[] {
  const arg = process.argv.find((value) => value.startsWith('--variants='));
  if (arg === undefined) return [...VARIANTS];
  const names = arg.slice('--variants='.length).split(',');
  return names.filter((name): name is VariantName => VARIANTS.includes(name as VariantName));
}

export interface AudioScaleResult {
  machine: Machine;
  streams: number;
  variants: VariantResult[];
}

export async function runAudioScale(
  streams = numberFlag('streams', 200),
  seconds = numberFlag('seconds', 30),
  warmupSeconds = numberFlag('warmup', 5),
  which: readonly VariantName[] = variantsFlag(),
): Promise<AudioScaleResult> {
  const info = machine();
  console.log('# Audio scale (bench/audio-scale.ts)');
  console.log(describeMachine(info));
  console.log(
    `${String(streams)} AudioHook echo streams of ${String(FRAME_MS)} ms PCMU frames (${String((streams * 1000) / FRAME_MS)} frames/s each way); per variant ${String(warmupSeconds)} s warm-up after every stream is open, then a ${String(seconds)} s window; a fresh simulator process each time`,
  );
  const variants: VariantResult[] = [];
  for (const variant of which) {
    variants.push(
      variant === 'exporter'
        ? await runExporterVariant(streams, seconds, warmupSeconds)
        : await runChildVariant(variant, streams, seconds, warmupSeconds),
    );
    console.log(`${variant} done (load average ${machine().loadAverage})`);
  }
  const result = { machine: info, streams, variants };
  console.log(report(result));
  return result;
}

function pct(ratio: number, digits = 2): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)} %` : 'n/a';
}

function report(result: AudioScaleResult): string {
  const name = (v: VariantResult) =>
    v.variant === 'drift-free'
      ? 'drift-free (cxprobe code path, exact)'
      : v.variant === 'setInterval'
        ? 'setInterval (createIntervalPacer, exact)'
        : 'exporter (`cxprobe run`, histogram)';
  const rows = result.variants.map((v) => [
    name(v),
    String(v.streamsOpen),
    `${v.framesSentPerSecond.toFixed(0)} / ${v.framesReceivedPerSecond.toFixed(0)}`,
    v.lateness === undefined ? '—' : fmtMs(v.lateness.median),
    v.lateness === undefined ? '—' : fmtMs(v.lateness.p99),
    fmtMs(v.bucketP99Ms),
    v.lateness === undefined ? '—' : fmtMs(v.lateness.max),
    pct(v.shareWithinGoal),
    pct(v.shareOverFrame, 3),
  ]);
  const costRows = result.variants.map((v) => [
    name(v),
    pct(v.cpuShare, 1),
    pct(v.simulatorCpuShare, 1),
    fmtBytes(v.rssBytes),
    fmtBytes(v.peakRssBytes),
    fmtBytes(v.simulatorRssBytes),
    v.loop === undefined
      ? '—'
      : `${fmtMs(v.loop.p50)} / ${fmtMs(v.loop.p99)} / ${fmtMs(v.loop.max)}`,
  ]);
  const lines = [
    '',
    'Sender lag (ms; lateness of each frame against its deadline on the ideal grid). bucket p99 = histogram_quantile(0.99) over the exporter’s buckets (0.5, 1, 2, 5, 10, 20, 50, 100 ms), for the child variants computed from their exact values.',
    '',
    table(
      [
        'variant',
        'streams open',
        'frames/s sent / received',
        'p50',
        'p99',
        'bucket p99',
        'max',
        `≤ ${String(SEND_LAG_GOAL_MS)} ms`,
        '> 20 ms',
      ],
      rows,
    ),
    '',
    table(
      [
        'variant',
        'CPU (of one core)',
        'simulator CPU',
        'RSS',
        'peak RSS',
        'simulator RSS',
        'event-loop delay p50 / p99 / max',
      ],
      costRows,
    ),
    '',
  ];
  for (const v of result.variants) {
    lines.push(
      `${v.variant}: window ${v.windowSeconds.toFixed(1)} s; inbound J per stream at the end p50 ${fmtMs(v.jitterMs.median)} / p99 ${fmtMs(v.jitterMs.p99)} / max ${fmtMs(v.jitterMs.max)} ms; lost ${String(v.lost)}, late ${String(v.late)}` +
        (v.deviation === undefined
          ? ''
          : `; inbound |D| p50 ${fmtMs(v.deviation.median)} / p99 ${fmtMs(v.deviation.p99)} / max ${fmtMs(v.deviation.max)} ms`),
    );
    if (v.gaps !== undefined && v.drift !== undefined)
      lines.push(
        `  setInterval: time between sends of a stream min ${fmtMs(v.gaps.min)} / p50 ${fmtMs(v.gaps.median)} / mean ${fmtMs(v.gaps.mean)} / p99 ${fmtMs(v.gaps.p99)} / max ${fmtMs(v.gaps.max)} ms; drift per stream p50 ${v.drift.median.toFixed(2)} ms/s (min ${v.drift.min.toFixed(2)}, max ${v.drift.max.toFixed(2)})`,
      );
    if (v.variant === 'exporter')
      lines.push(
        `  exporter: GET /metrics took ${v.scrapeMs.map((ms) => ms.toFixed(0)).join(', ')} ms (${fmtBytes(v.scrape?.bytes ?? 0)}, ${String(v.scrape?.samples ?? 0)} samples); send-lag bucket increase ${v.buckets.map((b) => `≤${Number.isFinite(b.le) ? String(b.le * 1000) : '+Inf'}: ${String(b.count)}`).join(', ')}`,
      );
  }
  const drift = result.variants.find((v) => v.variant === 'drift-free');
  const exporter = result.variants.find((v) => v.variant === 'exporter');
  lines.push(
    '',
    `goal (sender lag p99 ≤ ${String(SEND_LAG_GOAL_MS)} ms): drift-free code path ${drift?.lateness === undefined ? 'n/a' : `${fmtMs(drift.lateness.p99)} ms → ${drift.lateness.p99 <= SEND_LAG_GOAL_MS ? 'met' : 'not met'}`}; exporter ${exporter === undefined ? 'n/a' : `${pct(exporter.shareWithinGoal)} of frames ≤ 2 ms → ${exporter.shareWithinGoal >= 0.99 ? 'met' : 'not met'}`}`,
  );
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const role = process.argv.find((arg) => arg.startsWith('--role='));
  if (role === '--role=streams') {
    const [url, count, pacing] = process.argv.slice(process.argv.indexOf(role) + 1);
    runStreamsChild(
      url ?? '',
      Number(count),
      pacing === 'setInterval' ? 'setInterval' : 'drift-free',
    );
  } else {
    // Each stream is a socket in the streams process and one in the simulator.
    checkOpenFileLimit(numberFlag('streams', 200) + 200);
    await runAudioScale();
  }
}
