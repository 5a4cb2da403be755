import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { closeCodeLabel } from '../../src/metrics/close-codes.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  startSimulator,
  type RunningSimulator,
  type Truth,
  type WsEndpointTruth,
} from '../../src/simulator/index.ts';
import { parseSamples, type Sample, sumOf } from '../support/exposition.ts';
import { eventually } from '../support/wait.ts';
import { AUDIOHOOK_API_KEY, AUDIOHOOK_CLIENT_SECRET } from '../support/simulator-credentials.ts';

/**
 * The close-accounting acceptance (issue 9, defect 4), for every session kind: a randomised,
 * seeded schedule of server faults goes through the simulator's admin API, and at the end the
 * exporter's `cxprobe_ws_closes_total{code,reason,abnormal}` and
 * `cxprobe_ws_connect_failures_total{reason,status}` must equal, class by class, what
 * `GET /-/sim/truth` says the simulator did: none lost, none doubled, none in the wrong class.
 *
 * Each kind takes its faults one at a time (the next once the exporter counted the last and the
 * session is back), so every fault maps to exactly one close; the kinds run side by side. With
 * the cognigy-socket prober from before issue 8 it fails as the issue reported (1011, 1001 and
 * coded closes counted as `1006 abnormal_closure`); it also found AudioHook stalls counted as
 * `close_timeout` instead of `ping_timeout` (test/probers/audiohook-half-open.test.ts).
 *
 * The seed is printed; `CXPROBE_ACCOUNTING_SEED=<seed>` replays a schedule and
 * `CXPROBE_ACCOUNTING_STEPS=<n>` (default 12 per kind, about 15 s) runs a longer one, e.g. 100
 * (about 75 s, 500 faults).
 */

const SEED = seedFromEnv();
const STEPS = stepsFromEnv();

const GENESYS_SECRET =
  DEFAULT_SIMULATOR_CLIENTS.find((client) => client.platform === 'genesys')?.clientSecret ?? '';

type Kind =
  'websocket' | 'genesys-notifications' | 'cognigy-socket' | 'audiohook' | 'voicegateway-listen';
type Endpoint = keyof Truth['ws_endpoints'];

/** One target of a suite; each on its own simulator endpoint, so the truth is per target. */
interface Entry {
  kind: Kind;
  target: string;
  endpoint: Endpoint;
  /** Socket.IO over long polling: no WebSocket, so no close frame to carry a code. */
  polling?: boolean;
}

/** Every session kind, as each connects by default. */
const KINDS: readonly Entry[] = [
  { kind: 'websocket', target: 'echo', endpoint: 'ws_echo' },
  { kind: 'genesys-notifications', target: 'notifications', endpoint: 'genesys_notifications' },
  { kind: 'cognigy-socket', target: 'cognigy', endpoint: 'cognigy_socket' },
  { kind: 'audiohook', target: 'audiohook', endpoint: 'audiohook' },
  { kind: 'voicegateway-listen', target: 'listen', endpoint: 'listen' },
];

/** A server fault the simulator applies to the open session of a kind. */
type Fault =
  | { action: 'drop' }
  | { action: 'close_1011' }
  | { action: 'close'; code: number }
  | { action: 'maintenance' }
  | { action: 'stall' }
  | { action: 'disconnect_error' }
  | { action: 'disconnect_completed' };

/** One step: optionally refuse the next handshakes, then a fault that makes the client reconnect. */
interface Step {
  refuse?: { status: 401 | 403 | 500 | 503; count: number };
  fault: Fault;
}

/** A close class: the labels of `cxprobe_ws_closes_total` without `target`. */
interface CloseClass {
  code: string;
  reason: string;
  abnormal: string;
}

const cls = (code: number, reason: string, abnormal: boolean): CloseClass => ({
  code: closeCodeLabel(code),
  reason,
  abnormal: String(abnormal),
});

/**
 * How each kind must classify a server close with a close frame (docs/protocols.md §7): a plain
 * WebSocket or Genesys channel takes 1000 as the server's decision and every other unannounced
 * code as a drop; for Socket.IO, AudioHook (before `closed`) and jambonz every close we did not
 * start is abnormal.
 */
function serverCloseClass({ kind, polling }: Entry, code: number): CloseClass {
  if (code === 1006) return cls(1006, 'abnormal_closure', true);
  // Long polling has no close frame: the server's close is a Socket.IO disconnect packet.
  if (polling === true) return cls(1000, 'server_close', true);
  const lenient = kind === 'websocket' || kind === 'genesys-notifications';
  return cls(code, 'server_close', !(lenient && code === 1000));
}

/** The class of a stall: the client's ping goes unanswered and it ends the session itself. */
function stallClass(kind: Kind): CloseClass {
  // AudioHook ends even a failed session with its close transaction, closing without a code.
  return cls(kind === 'audiohook' ? 1005 : 1006, 'ping_timeout', true);
}

/** Faults each kind's platform has, beyond drops, server closes and stalls. */
function menu(kind: Kind): Fault['action'][] {
  const common: Fault['action'][] = ['drop', 'close_1011', 'close', 'maintenance', 'stall'];
  // AudioHook's server ends a session with `disconnect`: an error, or completed (its planned end).
  if (kind === 'audiohook') return [...common, 'disconnect_error', 'disconnect_completed'];
  // jambonz: the application hangs the listen up (`disconnect`).
  if (kind === 'voicegateway-listen') return [...common, 'disconnect_error'];
  return common;
}

/** Closes the client makes in answer to a protocol message rather than the server's close. */
function clientEndedClass(
  kind: Kind,
  fault: 'maintenance' | 'disconnect_error' | 'disconnect_completed',
): CloseClass {
  if (fault === 'maintenance') return cls(1000, 'planned', false); // Genesys socket_closing
  // AudioHook `disconnect {reason:"completed"}`: the close transaction of a normal end.
  if (fault === 'disconnect_completed') return cls(1005, 'completed', false);
  // AudioHook `disconnect {reason:"error"}`: the close transaction, then a close without a code.
  if (kind === 'audiohook') return cls(1005, 'server_error', true);
  // jambonz `disconnect`: the application hung up the listen, a normal end.
  return cls(1000, 'completed', false);
}

/** The exporter's close classes a kind's truth implies, with counts. */
function expectedCloses(entry: Entry, truth: WsEndpointTruth): Map<string, number> {
  const { kind } = entry;
  const expected = new Map<string, number>();
  const add = (close: CloseClass, count: number) => {
    if (count === 0) return;
    const key = classKey(close);
    expected.set(key, (expected.get(key) ?? 0) + count);
  };
  for (const [code, count] of Object.entries(truth.closes.server_closed)) {
    add(serverCloseClass(entry, Number(code)), count);
  }
  add(stallClass(kind), truth.injected.stall);
  if (kind === 'genesys-notifications') {
    add(clientEndedClass(kind, 'maintenance'), truth.injected.maintenance);
  }
  add(clientEndedClass(kind, 'disconnect_error'), truth.injected.disconnect_error);
  add(clientEndedClass(kind, 'disconnect_completed'), truth.injected.disconnect_completed);
  return expected;
}

/** Sessions the client ended in answer to a fault: nothing else may close from its side. */
function clientEndedByFaults(kind: Kind, truth: WsEndpointTruth): number {
  const planned = kind === 'genesys-notifications' ? truth.injected.maintenance : 0;
  const { stall, disconnect_error, disconnect_completed } = truth.injected;
  return stall + planned + disconnect_error + disconnect_completed;
}

const classKey = (close: CloseClass): string =>
  `code=${close.code} reason=${close.reason} abnormal=${close.abnormal}`;

const sum = (record: Record<string, number>): number =>
  Object.values(record).reduce((total, value) => total + value, 0);

const RECONNECT = 'reconnect: { initial: 50ms, max: 200ms, stable_after: 1h }';

/** Every kind's target: pings and timeouts short, so a stall is found within a second. */
function everyKindTargets(simulator: RunningSimulator): string {
  const ws = simulator.url.replace('http', 'ws');
  const reconnect = RECONNECT;
  return `  - name: echo
    kind: websocket
    url: ${ws}/ws/echo
    timeout: 2s
    ping: { interval: 150ms, timeout: 600ms }
    ${reconnect}
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    topics: [v2.users.test.presence]
    ping: { interval: 150ms, timeout: 600ms }
    # Far above the simulator's 300 ms: a stall is found by the ping, not by missed heartbeats.
    heartbeat_interval: 5s
    ${reconnect}
  - name: cognigy
    kind: cognigy-socket
    url: ${simulator.url}
    url_token: ${DEFAULT_COGNIGY_URL_TOKEN}
    interval: 2s
    timeout: 2s
    budget: 2s
    ${reconnect}
  - name: audiohook
    kind: audiohook
    url: ${ws}/api/v1/audiohook/ws
    api_key: ${AUDIOHOOK_API_KEY}
    client_secret: ${AUDIOHOOK_CLIENT_SECRET}
    timeout: 2s
    # Sessions outlive the test; a session that ends normally starts the next one at once.
    interval: 2s
    session_length: 50m
    ping: { interval: 300ms, timeout: 600ms }
    close_timeout: 500ms
    ${reconnect}
  - name: listen
    kind: voicegateway-listen
    url: ${ws}/listen
    timeout: 2s
    # Sessions outlive the test; a session that ends normally starts the next one at once.
    interval: 2s
    session_length: 50m
    frame_duration: 100ms
    ping: { interval: 150ms, timeout: 600ms }
    ${reconnect}
`;
}

/** Cognigy over long polling, as `transports: [polling]` (or a proxy without WebSockets) has it. */
function cognigyPollingTargets(simulator: RunningSimulator): string {
  return `  - name: cognigy-polling
    kind: cognigy-socket
    url: ${simulator.url}
    url_token: ${DEFAULT_COGNIGY_URL_TOKEN}
    transports: [polling]
    interval: 2s
    timeout: 2s
    budget: 2s
    ${RECONNECT}
`;
}

/**
 * One acceptance run: a simulator, an exporter with one target per entry (`targets` renders their
 * YAML), every entry's random schedule side by side, then the class-by-class comparison.
 */
function accountingSuite(
  title: string,
  entries: readonly Entry[],
  targets: (simulator: RunningSimulator) => string,
): void {
  describe(`${title} (seed ${SEED})`, () => {
    let simulator: RunningSimulator;
    let exporter: RunningExporter;
    let base: string;
    /** Set up only as far as `beforeAll` got, so a failed start still cleans up. */
    const cleanups: (() => Promise<void>)[] = [];
    const metrics = async (): Promise<Sample[]> =>
      parseSamples(await (await fetch(`${base}/metrics`)).text());

    beforeAll(async () => {
      // eslint-disable-next-line no-console -- the seed must be seen to replay a failure
      console.log(
        `session accounting: seed ${SEED}, ${STEPS} steps per kind ` +
          `(replay with CXPROBE_ACCOUNTING_SEED=${SEED} CXPROBE_ACCOUNTING_STEPS=${STEPS})`,
      );
      simulator = await startSimulator({
        heartbeatIntervalMs: 300,
        socketIoPingIntervalMs: 500,
        socketIoPingTimeoutMs: 1_000,
        faults: {
          // Long enough that the client's own reconnect on socket_closing always comes first.
          ws_endpoints: { genesys_notifications: { maintenance_grace_ms: 10_000 } },
        },
      });
      cleanups.push(() => simulator.close());
      const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-session-accounting-'));
      const configFile = path.join(dir, 'cxprobe.yml');
      await writeFile(
        configFile,
        `
credentials:
  genesys:
    type: genesys
    login_url: ${simulator.url}
    api_url: ${simulator.url}
    client_id: cxprobe-demo
    client_secret: ${GENESYS_SECRET}
targets:
${targets(simulator)}`,
      );
      exporter = await startExporter({
        configFile,
        listenAddress: '127.0.0.1:0',
        logger: pino({ level: 'silent' }),
      });
      cleanups.push(() => exporter.stop());
      base = `http://127.0.0.1:${exporter.address.port}`;
      await eventually(
        async () => {
          const samples = await metrics();
          return entries.every(
            ({ target }) => sumOf(samples, 'cxprobe_ws_connected', { target }) === 1,
          );
        },
        15_000,
        'every session up',
      );
    });

    afterAll(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function admin(method: 'POST' | 'PUT', route: string, body: unknown): Promise<unknown> {
      const response = await fetch(`${simulator.url}${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer: unknown = await response.json();
      if (!response.ok) throw new Error(`${method} ${route}: ${JSON.stringify(answer)}`);
      return answer;
    }

    /** Runs one step on one kind and waits until the exporter counted it and is back up. */
    async function runStep(entry: Entry, step: Step): Promise<void> {
      const { target, endpoint } = entry;
      const counts = async () => {
        const samples = await metrics();
        return {
          closes: sumOf(samples, 'cxprobe_ws_closes_total', { target }),
          failures: sumOf(samples, 'cxprobe_ws_connect_failures_total', { target }),
          connected: sumOf(samples, 'cxprobe_ws_connected', { target }),
        };
      };
      const before = await counts();
      if (step.refuse !== undefined) {
        await admin('PUT', '/-/sim/faults', {
          ws_endpoints: { [endpoint]: { refuse_handshakes: step.refuse } },
        });
      }
      const { action } = step.fault;
      const body = { endpoint, action, ...('code' in step.fault ? { code: step.fault.code } : {}) };
      // The exporter may show a session up a moment before the server side can take an action
      // (e.g. jambonz metadata still in flight): retry until the simulator applied it.
      await eventually(
        async () =>
          ((await admin('POST', '/-/sim/ws/actions', body)) as { applied: number }).applied === 1,
        5_000,
        `${target}: ${action} applied`,
      );
      const refused = step.refuse?.count ?? 0;
      await eventually(
        async () => {
          const now = await counts();
          return (
            now.closes === before.closes + 1 &&
            now.failures === before.failures + refused &&
            now.connected === 1
          );
        },
        15_000,
        `${target}: ${JSON.stringify(step)} counted and reconnected`,
      );
    }

    it(
      'counts every injected close and refusal in its class, for every kind',
      async () => {
        const random = mulberry32(SEED);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
        const schedules = entries.map((entry) => {
          const steps: Step[] = [];
          for (let index = 0; index < STEPS; index++) {
            const action = pick(menu(entry.kind));
            const fault: Fault =
              action === 'close'
                ? {
                    action,
                    code: pick([
                      1000,
                      1001,
                      1008,
                      1011,
                      1012,
                      1013,
                      4000 + Math.floor(random() * 1000),
                    ]),
                  }
                : { action };
            const step: Step = { fault };
            if (random() < 0.3) {
              step.refuse = {
                status: pick([401, 403, 500, 503] as const),
                count: 1 + Math.floor(random() * 2),
              };
            }
            steps.push(step);
          }
          return { entry, steps };
        });
        // eslint-disable-next-line no-console -- the seed must be seen to replay a failure
        console.log(
          schedules
            .map(
              ({ entry, steps }) =>
                `  ${entry.kind}: ${steps
                  .map(
                    ({ refuse, fault }) =>
                      `${refuse === undefined ? '' : `refuse ${refuse.status}x${refuse.count} + `}${fault.action}${'code' in fault ? ` ${fault.code}` : ''}`,
                  )
                  .join(', ')}`,
            )
            .join('\n'),
        );
        // Each kind runs its schedule in order; the kinds run side by side, as real targets do.
        await Promise.all(
          schedules.map(async ({ entry, steps }) => {
            for (const step of steps) await runStep(entry, step);
          }),
        );

        // Every close is in the truth once the server saw the socket go; wait for the last ones.
        const read = async () => {
          const truth = ((await (await fetch(`${simulator.url}/-/sim/truth`)).json()) as Truth)
            .ws_endpoints;
          return { truth, samples: await metrics() };
        };
        const { truth, samples } = await eventually(
          async () => {
            const snapshot = await read();
            const settled = entries.every(({ endpoint, target }) => {
              const closes = snapshot.truth[endpoint].closes;
              return (
                sum(closes.server_closed) + sum(closes.client_closed) ===
                sumOf(snapshot.samples, 'cxprobe_ws_closes_total', { target })
              );
            });
            return settled ? snapshot : undefined;
          },
          5_000,
          'the truth to record every close the exporter counted',
        ).catch(() => read());

        for (const { entry, steps } of schedules) {
          const { kind, target, endpoint } = entry;
          const t = truth[endpoint];
          const where = `${kind} (seed ${SEED})`;

          // The simulator did what the schedule asked: the truth is what it says it is.
          const asked = (action: Fault['action']) =>
            steps.filter((step) => step.fault.action === action).length;
          expect(t.injected.drop, `${where}: drops`).toBe(asked('drop'));
          expect(t.injected.close_1011, `${where}: 1011 closes`).toBe(asked('close_1011'));
          expect(t.injected.close, `${where}: coded closes`).toBe(asked('close'));
          expect(t.injected.maintenance, `${where}: maintenance`).toBe(asked('maintenance'));
          expect(t.injected.stall, `${where}: stalls`).toBe(asked('stall'));
          expect(t.injected.disconnect_error, `${where}: disconnects`).toBe(
            asked('disconnect_error'),
          );
          expect(t.injected.disconnect_completed, `${where}: completed`).toBe(
            asked('disconnect_completed'),
          );
          const refusals = steps.reduce((acc, step) => acc + (step.refuse?.count ?? 0), 0);
          expect(t.injected.refused_handshake, `${where}: refusals`).toBe(refusals);
          expect(sum(t.closes.client_closed), `${where}: client-side closes`).toBe(
            clientEndedByFaults(kind, t),
          );

          // Closes, class by class: the exporter's non-zero series are exactly what the truth implies.
          const counted = new Map<string, number>();
          for (const sample of samples) {
            if (sample.name !== 'cxprobe_ws_closes_total' || sample.labels.target !== target)
              continue;
            if (sample.value === 0) continue;
            const key = classKey({
              code: sample.labels.code ?? '',
              reason: sample.labels.reason ?? '',
              abnormal: sample.labels.abnormal ?? '',
            });
            counted.set(key, (counted.get(key) ?? 0) + sample.value);
          }
          expect(Object.fromEntries(counted), `${where}: closes by class`).toEqual(
            Object.fromEntries(expectedCloses(entry, t)),
          );

          // Refused handshakes, by status, with the reason the status implies; no other failure.
          for (const [status, count] of Object.entries(t.handshakes.refused)) {
            const reason =
              status === '401' || status === '403' ? 'unauthorized' : 'unexpected_status';
            expect(
              sumOf(samples, 'cxprobe_ws_connect_failures_total', { target, status, reason }),
              `${where}: refused ${status}`,
            ).toBe(count);
          }
          expect(
            sumOf(samples, 'cxprobe_ws_connect_failures_total', { target }),
            `${where}: connect failures`,
          ).toBe(sum(t.handshakes.refused));

          // Every close and every refusal led to exactly one reconnect, under the same reason.
          const reconnects = new Map<string, number>();
          for (const [key, count] of expectedCloses(entry, t)) {
            const reason = /reason=(\S+)/.exec(key)?.[1] ?? '';
            reconnects.set(reason, (reconnects.get(reason) ?? 0) + count);
          }
          for (const [reason, count] of reconnects) {
            expect(
              sumOf(samples, 'cxprobe_ws_reconnects_total', { target, reason }),
              `${where}: reconnects after ${reason}`,
            ).toBe(count);
          }
          expect(
            sumOf(samples, 'cxprobe_ws_reconnects_total', { target, reason: 'handshake_failed' }),
            `${where}: reconnects after refusals`,
          ).toBe(sum(t.handshakes.refused));

          // Every session the server accepted was counted as a connect, and only those.
          expect(
            sumOf(samples, 'cxprobe_ws_connect_duration_seconds_count', {
              target,
              phase: 'protocol_open',
            }),
            `${where}: connects`,
          ).toBe(t.sessions_opened);
        }
      },
      testTimeoutMs(),
    );
  });
}

/** mulberry32: a small seeded PRNG, so a schedule can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function seedFromEnv(): number {
  const raw = process.env.CXPROBE_ACCOUNTING_SEED;
  if (raw === undefined || raw === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`CXPROBE_ACCOUNTING_SEED must be a non-negative integer, got ${raw}`);
  }
  return seed;
}

function stepsFromEnv(): number {
  const raw = process.env.CXPROBE_ACCOUNTING_STEPS;
  if (raw === undefined || raw === '') return 12;
  const steps = Number(raw);
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000) {
    throw new Error(`CXPROBE_ACCOUNTING_STEPS must be an integer in 1..10000, got ${raw}`);
  }
  return steps;
}

/** 60 s for the default schedule; a longer opt-in schedule gets 5 s per step and kind. */
function testTimeoutMs(): number {
  return Math.max(60_000, STEPS * 5_000);
}

accountingSuite(
  'close accounting of every session kind against the simulator truth',
  KINDS,
  everyKindTargets,
);

accountingSuite(
  'close accounting of cognigy-socket over long polling',
  [
    {
      kind: 'cognigy-socket',
      target: 'cognigy-polling',
      endpoint: 'cognigy_socket',
      polling: true,
    },
  ],
  cognigyPollingTargets,
);
