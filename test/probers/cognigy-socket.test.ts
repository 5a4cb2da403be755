import { afterEach, describe, expect, it } from 'vitest';
import type { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
  type WsEndpointTruth,
} from '../../src/simulator/index.ts';
import {
  recordingEvents,
  startSessionTarget,
  type RecordedEvents,
} from '../support/session-events.ts';
import { configFrom, depsFor } from '../support/probe-setup.ts';
import { eventually } from '../support/wait.ts';

const KEY = 'cognigy_socket';

interface TargetOptions {
  /** More YAML lines of the target, indented by four spaces. */
  extra?: string;
  urlToken?: string;
  /** Time between bot turns; also the connect timeout. */
  interval?: string;
}

/** A cognigy-socket target on the simulator, one bot turn every 500 ms unless told. */
function cognigyYaml(origin: string, options: TargetOptions): string {
  const interval = options.interval ?? '500ms';
  return `
targets:
  - name: cognigy
    kind: cognigy-socket
    url: ${origin}
    url_token: ${options.urlToken ?? DEFAULT_COGNIGY_URL_TOKEN}
    interval: ${interval}
    timeout: ${interval}
    budget: 2s
${options.extra ?? ''}`;
}

const closes = (recorder: RecordedEvents): SessionEnd[] =>
  recorder.of('closed').map(([end]) => end as SessionEnd);

const until = (check: () => boolean, what: string, timeoutMs = 5_000): Promise<true> =>
  eventually(() => Promise.resolve(check() || undefined), timeoutMs, what);

describe('kind: cognigy-socket against the simulator', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
    const sim = await startSimulator({ port: 0, ...options });
    cleanups.push(() => sim.close());
    return sim;
  }

  async function start(
    sim: RunningSimulator,
    options: TargetOptions = {},
  ): Promise<{ recorder: RecordedEvents; runner: SessionRunner }> {
    const yaml = cognigyYaml(sim.url, options);
    const { deps } = depsFor(await configFrom(yaml));
    const recorder = recordingEvents();
    const runner = await startSessionTarget(yaml, recorder, deps);
    cleanups.push(() => runner.stop());
    return { recorder, runner };
  }

  const truth = (sim: RunningSimulator): WsEndpointTruth => sim.truth().ws_endpoints[KEY];

  for (const transports of ['[websocket]', undefined]) {
    it(`connects and runs bot turns (transports: ${transports ?? 'default'})`, async () => {
      const sim = await simulator({
        faults: { ws_endpoints: { cognigy_socket: { latency: { fixed_ms: 60 } } } },
      });
      const { recorder } = await start(sim, {
        extra: transports === undefined ? '' : `    transports: ${transports}`,
      });
      await until(() => recorder.of('turn').length >= 2, 'two bot turns');
      const [phases] = recorder.of('connected')[0] as [Record<string, number>];
      expect(Object.keys(phases)).toEqual(expect.arrayContaining(['upgrade', 'protocol_open']));
      expect(phases.protocol_open).toBeGreaterThanOrEqual(phases.upgrade ?? Infinity);
      expect(recorder.of('health')[0]).toEqual([true, 'endpoint ready']);
      for (const [first, total, ok, reason] of recorder.of('turn')) {
        expect(first).toBeGreaterThanOrEqual(0.059);
        expect(total).toBeGreaterThanOrEqual(first as number);
        expect(ok).toBe(true);
        expect(reason).toBe('success');
      }
      expect(truth(sim).inputs).toBeGreaterThanOrEqual(2);
      // A conformant client: nothing rejected, every output and finalPing acked (emitWithAck).
      expect(truth(sim).rejected_inputs).toEqual({});
      expect(truth(sim).acks_received).toBeGreaterThanOrEqual(2);
      expect(truth(sim).acks_missing).toBe(0);
      expect(truth(sim).pong_delay_ms.application.min).toBe(60);
      expect(recorder.of('connect_failed')).toEqual([]);
      expect(recorder.of('closed')).toEqual([]);
    });
  }

  it('counts a dropped connection as abnormal and reconnects', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, { extra: '    transports: [websocket]' });
    await until(() => recorder.of('connected').length >= 1, 'connected');
    expect(sim.wsAction(KEY, 'drop')).toBe(1);
    await until(() => recorder.of('connected').length >= 2, 'reconnect after the drop');
    expect(closes(recorder)[0]).toMatchObject({
      code: 1006,
      reason: 'abnormal_closure',
      abnormal: true,
    });
    expect(recorder.of('reconnecting')[0]?.[0]).toBe('abnormal_closure');
    expect(truth(sim).sessions_opened).toBe(2);
  });

  it('counts a dropped long-polling connection as abnormal too', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, { extra: '    transports: [polling]' });
    await until(() => recorder.of('turn').length >= 1, 'a turn over long polling');
    expect(sim.wsAction(KEY, 'drop')).toBe(1);
    await until(() => recorder.of('connected').length >= 2, 'reconnect after the drop');
    expect(closes(recorder)[0]?.abnormal).toBe(true);
  });

  it.each([
    ['close_1011', 1011],
    ['maintenance', 1001],
  ] as const)(
    'counts a %s close by its real code, abnormal, and reconnects',
    async (action, code) => {
      const sim = await simulator();
      const { recorder } = await start(sim);
      await until(() => recorder.of('turn').length >= 1, 'a turn');
      expect(sim.wsAction(KEY, action)).toBe(1);
      await until(() => recorder.of('connected').length >= 2, 'reconnect after the close');
      expect(closes(recorder)[0]).toMatchObject({ code, reason: 'server_close', abnormal: true });
      expect(recorder.of('reconnecting')[0]?.[0]).toBe('server_close');
      expect(truth(sim).injected[action]).toBe(1);
    },
  );

  it('runs bot turns with the inner handshake (inner_handshake: true)', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, { extra: '    inner_handshake: true' });
    await until(() => recorder.of('turn').length >= 2, 'two bot turns');
    for (const [, , ok] of recorder.of('turn')) expect(ok).toBe(true);
    expect(truth(sim)).toMatchObject({
      inner_handshakes: 1,
      handshakes: { accepted: 1, refused: {} },
      rejected_inputs: {},
    });
  });

  it('fails the connect when the inner handshake is refused (unknown token)', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, {
      urlToken: 'e'.repeat(64),
      extra: '    inner_handshake: true',
    });
    await until(() => recorder.of('connect_failed').length >= 1, 'a failed connect');
    const [reason, status, message] = recorder.of('connect_failed')[0] ?? [];
    expect(reason).toBe('connect_error');
    expect(status).toBeUndefined();
    expect(message).toContain('io server disconnect');
    expect(recorder.of('connected')).toEqual([]);
    expect(truth(sim).handshakes.refused.connect_error).toBeGreaterThanOrEqual(1);
  });

  it('reports a server-side disconnect as server_close', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, { extra: '    transports: [polling]' });
    await until(() => recorder.of('turn').length >= 1, 'a turn over long polling');
    // Without a WebSocket to close, the simulator disconnects the Socket.IO socket itself.
    expect(sim.wsAction(KEY, 'close_1011')).toBe(1);
    await until(() => recorder.of('closed').length >= 1, 'close');
    expect(closes(recorder)[0]).toMatchObject({ reason: 'server_close', abnormal: true });
  });

  it('reports connectFailed for an unknown URL token and keeps retrying', async () => {
    const sim = await simulator();
    const { recorder } = await start(sim, { urlToken: 'f'.repeat(64) });
    await until(() => recorder.of('connect_failed').length >= 2, 'two failed connects');
    for (const [reason, status, message] of recorder.of('connect_failed')) {
      expect(reason).toBe('connect_error');
      expect(status).toBeUndefined();
      expect(message).toContain('Unknown URL token');
    }
    for (const [reason] of recorder.of('reconnecting')) expect(reason).toBe('handshake_failed');
    expect(recorder.of('connected')).toEqual([]);
    expect(truth(sim).handshakes.refused.connect_error).toBeGreaterThanOrEqual(2);
  });

  for (const transports of ['[websocket]', '[polling]']) {
    it.each([
      [401, 'unauthorized'],
      [403, 'unauthorized'],
      [503, 'unexpected_status'],
    ] as const)(
      `reports a refused handshake (%s) with its HTTP status over ${transports}, then connects`,
      async (status, reason) => {
        const sim = await simulator({
          faults: {
            ws_endpoints: { cognigy_socket: { refuse_handshakes: { status, count: 1 } } },
          },
        });
        const { recorder } = await start(sim, { extra: `    transports: ${transports}` });
        await until(() => recorder.of('connected').length >= 1, 'connected after the refusal');
        expect(recorder.of('connect_failed')).toHaveLength(1);
        expect(recorder.of('connect_failed')[0]?.slice(0, 2)).toEqual([reason, status]);
        expect(truth(sim).handshakes.refused).toEqual({ [status]: 1 });
      },
    );
  }

  it('stops with reason shutdown and does not reconnect', async () => {
    const sim = await simulator();
    const { recorder, runner } = await start(sim);
    await until(() => recorder.of('turn').length >= 1, 'a turn');
    await runner.stop();
    expect(closes(recorder)).toEqual([
      expect.objectContaining({ reason: 'shutdown', abnormal: false }),
    ]);
    expect(recorder.of('reconnecting')).toEqual([]);
    await until(() => sim.sessions(KEY) === 0, 'server sees the disconnect', 2_000);
    expect(truth(sim).closes.client_closed).toEqual({ 'client namespace disconnect': 1 });
    expect(truth(sim).sessions_opened).toBe(1);
  });

  it('stops at once while waiting for endpoint-ready', async () => {
    const sim = await simulator({
      faults: { ws_endpoints: { cognigy_socket: { half_open: true } } },
    });
    const { recorder, runner } = await start(sim, { interval: '8s' });
    await until(() => sim.sessions(KEY) === 1, 'Socket.IO connected, endpoint-ready held back');
    const stopped = await Promise.race([
      runner.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(resolve, 4_000, 'still waiting for the 8 s timeout')),
    ]);
    expect(stopped).toBe('stopped');
    expect(recorder.of('connected')).toEqual([]);
    expect(recorder.of('connect_failed')).toEqual([]);
    await until(() => sim.sessions(KEY) === 0, 'server sees the disconnect', 2_000);
  });

  it('keeps reconnecting without piling up listeners on the runner signal', async () => {
    const sim = await simulator();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    cleanups.push(() => {
      process.off('warning', onWarning);
      return Promise.resolve();
    });
    const { recorder } = await start(sim, { extra: '    transports: [websocket]' });
    for (let round = 1; round <= 12; round++) {
      await until(
        () => recorder.of('connected').length >= round && sim.sessions(KEY) === 1,
        `session ${round}`,
      );
      sim.wsAction(KEY, 'drop');
    }
    await until(() => recorder.of('connected').length >= 13, 'thirteenth session', 9_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
