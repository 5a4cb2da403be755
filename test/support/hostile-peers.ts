import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startExporter } from '../../src/cli/serve.ts';
import { createLogger } from '../../src/log/logger.ts';
import { REASON_CODES } from '../../src/events/reasons.ts';
import { CLOSE_REASON_CODES } from '../../src/events/reasons.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSamples, type Sample } from './exposition.ts';
import { sleep } from './wait.ts';
import { completeUpgrade, frame, OPCODE, readClientFrames } from './ws-frames.ts';

/**
 * Loopback peers that misbehave the way real endpoints do on a bad day, and a harness that runs
 * them against a whole in-process exporter next to one healthy target (issue 9, "A permanent
 * hostile-peer suite"). Every peer is a real server on 127.0.0.1, port 0.
 */

/** A hostile server: where it listens, how often it was dialled, and how to get rid of it. */
export interface Peer {
  /** Origin, `http://127.0.0.1:<port>`; callers swap the scheme for ws:// where they need it. */
  origin: string;
  port: number;
  /** TCP connections accepted so far: a reconnect or request flood shows here. */
  connections: () => number;
  close: () => Promise<void>;
}

/**
 * Serves `server` on 127.0.0.1, port 0, as a {@link Peer}: counts its connections, and its
 * close drops the open ones (hanging ones too). A peer never crashes the test because cxprobe
 * hung up on it mid-write.
 */
async function servePeer(server: net.Server): Promise<Peer> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    port,
    connections: () => count,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      })),
  };
}

/**
 * A bare TCP server: `onSocket` decides every byte. The peer for answers that are not HTTP,
 * truncated or dripped, and for handshakes that never finish.
 */
export function startTcpPeer(onSocket: (socket: net.Socket) => void): Promise<Peer> {
  return servePeer(net.createServer(onSocket));
}

/** A node:http server with a handler per request (the body is drained first). */
export async function startHttpPeer(
  handler: (request: http.IncomingMessage, response: http.ServerResponse, body: string) => void,
  onUpgrade?: (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => void,
): Promise<Peer> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handler(request, response, Buffer.concat(chunks).toString('utf8'));
    });
  });
  if (onUpgrade !== undefined) server.on('upgrade', onUpgrade);
  return servePeer(server);
}

/** Sends `bytes` one byte every `everyMs` until the socket goes away; returns a stopper. */
export function drip(socket: net.Socket, bytes: Buffer, everyMs = 100): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= bytes.length) {
      clearInterval(timer);
      return;
    }
    socket.write(bytes.subarray(index, index + 1));
    index += 1;
  }, everyMs);
  socket.on('close', () => {
    clearInterval(timer);
  });
}

/** A raw WebSocket peer: a correct handshake, then `onOpen` owns the socket byte by byte. */
export async function startRawWebSocketPeer(
  onOpen: (socket: net.Socket, request: http.IncomingMessage) => void,
): Promise<Peer> {
  return startHttpPeer(
    (_request, response) => {
      response.writeHead(426).end();
    },
    (request, socket) => {
      completeUpgrade(request, socket);
      onOpen(socket, request);
    },
  );
}

/** Bytes that are not UTF-8: a lone continuation byte and an overlong encoding. */
export const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0xc0, 0xaf]);

/** Numbers a peer may put in any numeric field: every one of them must be survived. */
export const ABSURD_NUMBERS: readonly unknown[] = [
  -1,
  -8000,
  0,
  1e308,
  2 ** 53,
  'NaN',
  '1e308',
  null,
  'Infinity',
];

// ---------------------------------------------------------------------------------------------
// The harness: one exporter, the hostile targets, and a healthy one beside them.

/** A target of the config, as YAML mapping lines indented for the `targets:` list. */
export interface HostileTarget {
  name: string;
  /** The target's fields (not `name`), one `key: value` per line, no indentation. */
  fields: string;
}

/** What the exporter said about one target at the end of the run. */
export interface TargetOutcome {
  /** `cxprobe_probes_total` by result, counts above 0 only. */
  results: Record<string, number>;
  /** `cxprobe_ws_closes_total` by reason, counts above 0 only. */
  closes: Record<string, number>;
  /** `cxprobe_ws_closes_total` by code, counts above 0 only. */
  closeCodes: Record<string, number>;
  /** `cxprobe_ws_connect_failures_total` by reason, counts above 0 only. */
  connectFailures: Record<string, number>;
  /** `cxprobe_audio_protocol_violations_total` by kind. */
  violations: Record<string, number>;
  /** `cxprobe_audio_frames_lost_total`, all causes. */
  framesLost: number;
}

export interface HostileRun {
  outcome: (name: string) => TargetOutcome;
  /** The healthy target's probes during the watch, and the longest gap between two. */
  healthy: { probes: number; longestGapMs: number; watchedMs: number };
  /** How long `stop()` took with the hostile peers still connected. */
  stopMs: number;
  /** Handles (sockets, servers, timers) before the run and after everything was stopped. */
  handles: { before: Record<string, number>; after: Record<string, number> };
  rssGrowthBytes: number;
  /** Every metrics exposition scraped, for catalogue checks on labels. */
  finalText: string;
}

/** Handles that leak when a session, request or timer is forgotten. */
const LEAKABLE = new Set(['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'TLSWrap', 'PipeWrap']);

export function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (LEAKABLE.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** True when no leakable handle kind is above its count in `before`. */
export function noMoreHandlesThan(before: Record<string, number>): boolean {
  const now = countHandles();
  return Object.entries(now).every(([kind, count]) => count <= (before[kind] ?? 0));
}

/** GETs /metrics on a fresh connection (no keep-alive socket outlives the run). */
function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/metrics', agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

function byLabel(samples: Sample[], name: string, target: string, label: string) {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== name || sample.labels.target !== target || sample.value <= 0) continue;
    const key = sample.labels[label] ?? '';
    counts[key] = (counts[key] ?? 0) + sample.value;
  }
  return counts;
}

function outcomeOf(samples: Sample[], target: string): TargetOutcome {
  const lost = byLabel(samples, 'cxprobe_audio_frames_lost_total', target, 'cause');
  return {
    results: byLabel(samples, 'cxprobe_probes_total', target, 'result'),
    closes: byLabel(samples, 'cxprobe_ws_closes_total', target, 'reason'),
    closeCodes: byLabel(samples, 'cxprobe_ws_closes_total', target, 'code'),
    connectFailures: byLabel(samples, 'cxprobe_ws_connect_failures_total', target, 'reason'),
    violations: byLabel(samples, 'cxprobe_audio_protocol_violations_total', target, 'kind'),
    framesLost: Object.values(lost).reduce((sum, value) => sum + value, 0),
  };
}

/** The healthy target that must keep its 500 ms cadence whatever its neighbours do. */
export const HEALTHY_TARGET = 'healthy-neighbour';
const HEALTHY_INTERVAL_MS = 500;

/**
 * Runs the exporter with `targets` (their peers already started) and a healthy http target,
 * until `settled` says every case reached its verdict (or `maxMs`), then at least `minMs`;
 * stops everything and measures what was left behind. `credentials` is YAML for the
 * `credentials:` section, already indented by two spaces.
 */
export async function runHostileExporter(options: {
  targets: HostileTarget[];
  credentials?: string;
  settled: (outcome: (name: string) => TargetOutcome) => boolean;
  minMs?: number;
  maxMs?: number;
  /** Peers to close after the exporter stopped (their sockets count as the run's). */
  peers: Peer[];
  /** {@link countHandles} before the peers were started. */
  baseline: Record<string, number>;
}): Promise<HostileRun> {
  const before = options.baseline;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const healthy = await startHttpPeer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-hostile-'));
  const configFile = path.join(dir, 'cxprobe.yml');
  const indent = (fields: string) =>
    fields
      .trim()
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
  const targets = [
    `  - name: ${HEALTHY_TARGET}\n${indent(`kind: http\nurl: ${healthy.origin}/\ninterval: ${String(HEALTHY_INTERVAL_MS)}ms\ntimeout: 400ms`)}`,
    ...options.targets.map((target) => `  - name: ${target.name}\n${indent(target.fields)}`),
  ];
  const yaml = [
    'global: {interval: 2s, timeout: 1s}',
    ...(options.credentials === undefined ? [] : ['credentials:', options.credentials]),
    'targets:',
    ...targets,
    '',
  ].join('\n');
  await writeFile(configFile, yaml);
  const logger = await createLogger({
    level: 'error',
    format: 'json',
    destination: new PassThrough().resume(),
    redactor: () => (text: string) => text,
  });
  const exporter = await startExporter({ configFile, listenAddress: '127.0.0.1:0', logger });
  const port = exporter.address.port;
  const started = Date.now();
  const minMs = options.minMs ?? 2_000;
  const maxMs = options.maxMs ?? 12_000;
  let samples: Sample[] = [];
  let text = '';
  let healthyProbes = 0;
  let healthyAt = started;
  let firstHealthy: number | undefined;
  let longestGapMs = 0;
  for (;;) {
    text = await scrape(port);
    samples = parseSamples(text);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const probes = samples
      .filter((s) => s.name === 'cxprobe_probes_total' && s.labels.target === HEALTHY_TARGET)
      .reduce((sum, s) => sum + s.value, 0);
    const now = Date.now();
    if (probes > healthyProbes) {
      firstHealthy ??= now;
      if (healthyProbes > 0) longestGapMs = Math.max(longestGapMs, now - healthyAt);
      healthyProbes = probes;
      healthyAt = now;
    }
    const current = samples;
    const elapsed = now - started;
    if (
      elapsed >= maxMs ||
      (elapsed >= minMs && options.settled((name) => outcomeOf(current, name)))
    ) {
      break;
    }
    await sleep(150);
  }
  const watchedMs = Date.now() - (firstHealthy ?? started);
  longestGapMs = Math.max(longestGapMs, Date.now() - healthyAt);
  const finalSamples = samples;
  const stopStarted = Date.now();
  await exporter.stop();
  const stopMs = Date.now() - stopStarted;
  await healthy.close();
  await Promise.all(options.peers.map((peer) => peer.close()));
  // Sockets finish closing on the next turns of the loop: give them a moment, no more.
  const deadline = Date.now() + 5_000;
  while (!noMoreHandlesThan(before) && Date.now() < deadline) await sleep(50);
  return {
    outcome: (name) => outcomeOf(finalSamples, name),
    healthy: { probes: healthyProbes, longestGapMs, watchedMs },
    stopMs,
    handles: { before, after: countHandles() },
    rssGrowthBytes: rssPeak - rssBefore,
    finalText: text,
  };
}

/** Handle kinds the run left above the baseline, with their counts (empty when none leaked). */
export function leftBehind(run: HostileRun): Record<string, number> {
  return Object.fromEntries(
    Object.entries(run.handles.after).filter(
      ([kind, count]) => count > (run.handles.before[kind] ?? 0),
    ),
  );
}

/**
 * Labels that are not in the catalogues, whatever a peer sent. A failed connect of a session
 * kind may carry a close reason (AudioHook `open_timeout`, Genesys `channel_gone`), so results
 * and connect failures draw on both catalogues; closes only on {@link CLOSE_REASON_CODES}.
 */
export function unknownReasons(outcome: TargetOutcome): string[] {
  const closeReasons: readonly string[] = CLOSE_REASON_CODES;
  const known = new Set<string>([...REASON_CODES, ...closeReasons]);
  return [
    ...Object.keys(outcome.results).filter((reason) => !known.has(reason)),
    ...Object.keys(outcome.connectFailures).filter((reason) => !known.has(reason)),
    ...Object.keys(outcome.closes).filter((reason) => !closeReasons.includes(reason)),
  ];
}

/** Every outcome a case ended with: the probe results and close reasons seen. */
export function reasonsSeen(outcome: TargetOutcome): string[] {
  return [
    ...Object.keys(outcome.results),
    ...Object.keys(outcome.closes),
    ...Object.keys(outcome.connectFailures),
  ];
}

/**
 * Plays the well-behaved parts of a WebSocket server on a raw socket: answers pings, answers a
 * close frame and hangs up, hands text frames to `onText`. Each can be turned off, for peers
 * that ignore pings or the close handshake.
 */
export function behave(
  socket: net.Socket,
  options: {
    pings?: boolean;
    closes?: boolean;
    onText?: (text: string) => void;
  } = {},
): void {
  readClientFrames(socket, (opcode, payload) => {
    if (socket.destroyed) return;
    if (opcode === OPCODE.ping && options.pings !== false)
      socket.write(frame(OPCODE.pong, payload));
    else if (opcode === OPCODE.close && options.closes !== false) {
      socket.end(frame(OPCODE.close, payload.subarray(0, 2)));
    } else if (opcode === OPCODE.text) options.onText?.(payload.toString('utf8'));
  });
}

/** One hostile case: a peer, the target that probes it, and what it may end with. */
export interface HostileCase {
  name: string;
  peer: () => Promise<Peer>;
  /** The target's fields (not `name`), from the started peer. */
  fields: (peer: Peer) => string;
  /** A credential of the target, YAML indented by two spaces. */
  credential?: (peer: Peer) => string;
  /** The only probe results (`cxprobe_probes_total`) the target may show; one at least. */
  results: readonly string[];
  /** The only close reasons it may show; when given, one at least must have happened. */
  closes?: readonly string[];
  /**
   * Close reasons a loaded machine may add beside the expected ones (a pong that came after a
   * stall, a session that ran its course before the misbehaviour); one expected close is
   * still required.
   */
  tolerated?: readonly string[];
  /** More checks of the case (a connection bound, violations, frames lost…). */
  check?: (outcome: TargetOutcome, peer: Peer, run: HostileRun) => void;
  /**
   * `BUG (owned elsewhere, <file>): <what happens>` when the case exposes a bug in a file this
   * suite may not fix: the case is declared with `it.skip`, the note in its title, and is left
   * out of the exporter run (so it cannot hold up the others); delete the note once fixed.
   */
  bug?: string;
}

function hasVerdict(hostile: HostileCase, outcome: TargetOutcome): boolean {
  if (hostile.closes !== undefined && hostile.closes.length > 0) {
    return Object.keys(outcome.closes).length > 0;
  }
  return Object.keys(outcome.results).length > 0;
}

/**
 * Declares a describe block that runs every case at once in one exporter beside the healthy
 * target, then checks each case's verdict, the neighbour's cadence, handles and memory.
 */
export function describeHostilePeers(
  title: string,
  cases: readonly HostileCase[],
  options: { minMs?: number; maxMs?: number } = {},
): void {
  describe(title, () => {
    const live = cases.filter((hostile) => hostile.bug === undefined);
    const peers = new Map<string, Peer>();
    let run: HostileRun;
    const peerOf = (name: string): Peer => {
      const peer = peers.get(name);
      if (peer === undefined) throw new Error(`no peer for ${name}`);
      return peer;
    };

    beforeAll(async () => {
      const baseline = countHandles();
      for (const hostile of live) peers.set(hostile.name, await hostile.peer());
      const credentials = live
        .map((hostile) => hostile.credential?.(peerOf(hostile.name)))
        .filter((line) => line !== undefined);
      run = await runHostileExporter({
        targets: live.map((hostile) => ({
          name: hostile.name,
          fields: hostile.fields(peerOf(hostile.name)),
        })),
        ...(credentials.length === 0 ? {} : { credentials: credentials.join('\n') }),
        peers: [...peers.values()],
        baseline,
        settled: (outcome) => live.every((hostile) => hasVerdict(hostile, outcome(hostile.name))),
        ...options,
      });
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...peers.values()].map((peer) => peer.close()));
    });

    for (const hostile of cases) {
      const test = hostile.bug === undefined ? it : it.skip;
      const title = `${hostile.name}: ends with a catalogue reason, the expected one`;
      test(hostile.bug === undefined ? title : `${title} — ${hostile.bug}`, () => {
        const outcome = run.outcome(hostile.name);
        expect(unknownReasons(outcome)).toEqual([]);
        expect(hasVerdict(hostile, outcome)).toBe(true);
        for (const result of Object.keys(outcome.results))
          expect(hostile.results).toContain(result);
        if (hostile.closes !== undefined) {
          const allowed = [...hostile.closes, ...(hostile.tolerated ?? [])];
          for (const reason of Object.keys(outcome.closes)) expect(allowed).toContain(reason);
          if (hostile.closes.length > 0) {
            expect(hostile.closes.some((reason) => (outcome.closes[reason] ?? 0) > 0)).toBe(true);
          }
        }
        hostile.check?.(outcome, peerOf(hostile.name), run);
      });
    }

    it('the healthy neighbour keeps its 500 ms cadence', () => {
      // The peers share the exporter's process and its two cores with other work: a slow probe
      // may happen (it times out at 400 ms); a starved loop shows as many, and as gaps.
      const { success = 0, ...failures } = run.outcome(HEALTHY_TARGET).results;
      expect(Object.keys(failures).every((reason) => reason === 'timeout')).toBe(true);
      const slowAllowed = Math.max(2, Math.floor(0.25 * run.healthy.probes));
      expect(success).toBeGreaterThanOrEqual(run.healthy.probes - slowAllowed);
      expect(run.healthy.probes).toBeGreaterThanOrEqual(
        Math.floor(run.healthy.watchedMs / HEALTHY_INTERVAL_MS) - 3,
      );
      expect(run.healthy.longestGapMs).toBeLessThan(2_000);
    });

    it('stops within 5 s with the hostile peers connected and leaves no socket or timer behind', () => {
      expect(run.stopMs).toBeLessThan(5_000);
      expect(leftBehind(run)).toEqual({});
    });

    it('keeps its memory bounded', () => {
      expect(run.rssGrowthBytes).toBeLessThan(200 * 1_048_576);
    });
  });
}

/** Probes counted for a target, all results together. */
export function probeCount(outcome: TargetOutcome): number {
  return Object.values(outcome.results).reduce((sum, n) => sum + n, 0);
}

/** Closes counted for a target, all reasons together. */
export function closeCount(outcome: TargetOutcome): number {
  return Object.values(outcome.closes).reduce((sum, n) => sum + n, 0);
}
