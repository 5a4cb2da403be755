import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeEvent, SessionEnd } from '../../src/events/probe-event.ts';
import { adoptInAttempt } from '../../src/probers/session/attempt-scope.ts';
import { ConnectError } from '../../src/probers/session/types.ts';
import { MAX_TIMER_MS } from '../../src/config/delay.ts';
import { PLANNED_MIN_LIFETIME_MS, STOP_GRACE_MS } from '../../src/runtime/session-runner.ts';
import type { ProbeRecord } from '../../src/sinks/history.ts';
import { ABORTED, BACKOFF, RunnerHarness, settle, track } from './runner-harness.ts';
import { ABNORMAL, SHUTDOWN_END } from './scripted-protocol.ts';

const ALMOST_ONE = 1 - Number.EPSILON;
/** Long enough for any back-off or grace of these tests to have run out. */
const A_WHILE_MS = 10 * 60_000;

const PLANNED: SessionEnd = {
  code: 1000,
  reason: 'planned',
  abnormal: false,
  message: 'socket_closing',
  immediate: true,
};
const completed = (nextInMs: number): SessionEnd => ({
  code: 1000,
  reason: 'completed',
  abnormal: false,
  message: 'done',
  nextInMs,
});

describe('SessionRunner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('reconnect schedule', () => {
    it('backs off consecutive connect failures, opening again exactly when announced', async () => {
      const h = await RunnerHarness.started();
      expect(h.protocol.opens).toHaveLength(1);
      const expected = [500, 1_000, 2_000, 4_000, 4_000];
      for (const delay of expected) {
        await h.fail();
        await h.expectReconnect('handshake_failed', delay);
      }
      expect(h.recorder.of('reconnecting')).toHaveLength(expected.length);
      // In seconds, as the metrics want them.
      expect(h.recorder.of('reconnecting')[0]).toEqual(['handshake_failed', 0.5]);
      expect(h.recorder.of('connect_failed')).toHaveLength(expected.length);
      await h.stop();
    });

    it('backs off after abnormal closes, widening the window while sessions stay short', async () => {
      const h = await RunnerHarness.started();
      for (const delay of [500, 1_000, 2_000]) {
        await h.live(5_000, ABNORMAL);
        await h.expectReconnect('abnormal_closure', delay);
      }
      await h.stop();
    });

    it('starts the back-off over after a session that lived stable_after, not one shorter', async () => {
      const h = await RunnerHarness.started();
      // Three failures widen the window to 8 s.
      for (const delay of [500, 1_000, 2_000]) {
        await h.fail();
        await h.expectOpenAfter(delay);
      }
      // Just short of stable: the window stays wide (8 s × 0.5).
      await h.live(BACKOFF.stableAfterMs - 1, ABNORMAL);
      await h.expectReconnect('abnormal_closure', 4_000);
      // Stable: back to the first window (1 s × 0.5), and widening again from there.
      await h.live(BACKOFF.stableAfterMs, ABNORMAL);
      await h.expectReconnect('abnormal_closure', 500);
      await h.fail();
      await h.expectReconnect('handshake_failed', 1_000);
      await h.stop();
    });

    it.each([
      ['random ~1', ALMOST_ONE, 249],
      ['random 0', 0, 0],
    ])(
      'reconnects a planned close of a mature session within 250 ms (%s)',
      async (_name, random, delay) => {
        const h = await RunnerHarness.started({ random: () => random });
        await h.live(PLANNED_MIN_LIFETIME_MS, PLANNED);
        expect(h.announced()).toEqual([{ reason: 'planned', ms: delay }]);
        await h.expectOpenAfter(delay);
        await h.stop();
      },
    );

    it('does not spend a back-off step on a planned reconnect of a mature session', async () => {
      const h = await RunnerHarness.started();
      await h.fail();
      await h.expectOpenAfter(500);
      await h.live(PLANNED_MIN_LIFETIME_MS, PLANNED);
      await h.expectReconnect('planned', 125);
      // The second window (2 s), as if the planned reconnect had not happened.
      await h.fail();
      await h.expectReconnect('handshake_failed', 1_000);
      await h.stop();
    });

    it('sends a planned close of a young session through the back-off, at least half the window', async () => {
      const h = await RunnerHarness.started({ random: () => 0 });
      // Two failures (random 0: next() draws 0 ms) widen the window to 4 s.
      for (let index = 0; index < 2; index++) {
        await h.fail();
        await h.expectOpenAfter(0);
      }
      // A server announcing socket_closing right after every connect (issue 9).
      for (const delay of [2_000, 4_000, 4_000]) {
        await h.live(PLANNED_MIN_LIFETIME_MS - 1, PLANNED);
        await h.expectReconnect('planned', delay);
      }
      await h.stop();
    });

    it('honours nextInMs exactly, ahead of immediate and the back-off', async () => {
      const h = await RunnerHarness.started();
      await h.live(1_000, { ...completed(30_000), immediate: true });
      expect(h.announced()).toEqual([{ reason: 'completed', ms: 30_000 }]);
      await h.expectOpenAfter(30_000);
      await h.stop();
    });

    it('clamps a huge nextInMs to the longest timer instead of letting Node fire it at once', async () => {
      const h = await RunnerHarness.started();
      await h.live(0, completed(1e13));
      expect(h.recorder.of('reconnecting')).toEqual([['completed', MAX_TIMER_MS / 1000]]);
      // Handed to setTimeout unclamped, Node would arm a 1 ms timer: nothing may open early.
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
      await h.expectOpenAfter(MAX_TIMER_MS);
      await h.stop();
    });

    it.each([
      ['negative', completed(-5_000), 'completed', 0],
      // Not finite: ignored, the end's own kind decides (an abnormal close → back-off).
      ['NaN', { ...ABNORMAL, nextInMs: Number.NaN }, 'abnormal_closure', 500],
      ['Infinity', { ...ABNORMAL, nextInMs: Number.POSITIVE_INFINITY }, 'abnormal_closure', 500],
    ] as const)('treats a %s nextInMs safely', async (_name, end, reason, delay) => {
      const h = await RunnerHarness.started();
      await h.live(1_000, end);
      expect(h.announced()).toEqual([{ reason, ms: delay }]);
      await h.expectOpenAfter(delay);
      await h.stop();
    });

    it('stops the loop when the session itself ends with shutdown', async () => {
      const h = await RunnerHarness.started();
      await h.live(2_000, SHUTDOWN_END);
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
      expect(h.recorder.of('closed')).toEqual([[SHUTDOWN_END, 2]]);
      expect(h.recorder.of('reconnecting')).toEqual([]);
      // Only stop() reports `stopped`; it returns at once, the loop being over.
      expect(h.recorder.of('stopped')).toEqual([]);
      const stopping = track(h.runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      expect(h.recorder.of('stopped')).toHaveLength(1);
    });
  });

  describe('events, each exactly once', () => {
    it('reports every close with its end and session seconds, every reconnect once', async () => {
      const h = await RunnerHarness.started();
      await h.live(3_000, ABNORMAL);
      await vi.advanceTimersByTimeAsync(500);
      await h.live(12_000, PLANNED);
      await vi.advanceTimersByTimeAsync(250);
      expect(h.protocol.opens).toHaveLength(3);
      expect(h.recorder.of('closed')).toEqual([
        [ABNORMAL, 3],
        [PLANNED, 12],
      ]);
      expect(h.announced()).toEqual([
        { reason: 'abnormal_closure', ms: 500 },
        { reason: 'planned', ms: 125 },
      ]);
      // Closes and reconnects alternate: nothing doubled, nothing skipped.
      expect(h.types().filter((type) => type === 'closed' || type === 'reconnecting')).toEqual([
        'closed',
        'reconnecting',
        'closed',
        'reconnecting',
      ]);
      expect(h.recorder.of('connect_failed')).toEqual([]);
      await h.stop();
    });

    it('reports connect_failed with the ConnectError reason, status and message', async () => {
      const h = await RunnerHarness.started();
      await h.fail();
      expect(h.recorder.of('connect_failed')).toEqual([
        ['unauthorized', 401, 'HTTP 401 at the upgrade'],
      ]);
      expect(h.recorder.of('closed')).toEqual([]);
      await h.stop();
    });

    it.each([
      ['an Error', new Error('undefined is not a function'), 'undefined is not a function'],
      ['a string', 'weird', 'weird'],
    ])('turns a rejection with %s into reason internal', async (_name, error, message) => {
      const h = await RunnerHarness.started();
      await h.fail(error);
      expect(h.recorder.of('connect_failed')).toEqual([['internal', undefined, message]]);
      await h.expectReconnect('handshake_failed', 500);
      await h.stop();
    });

    it('reports closed(open_failed) before connect_failed when the protocol had reported connected', async () => {
      const h = await RunnerHarness.started();
      h.protocol.last.context.emit({ type: 'connected', phases: { tcp: 0.01, upgrade: 0.02 } });
      await vi.advanceTimersByTimeAsync(1_500);
      await h.fail(new ConnectError('protocol_error', 'subscribe refused'));
      expect(h.types()).toEqual([
        'attempt_started',
        'connected',
        'closed',
        'log',
        'connect_failed',
        'reconnecting',
      ]);
      expect(h.recorder.of('connected')).toEqual([[{ tcp: 0.01, upgrade: 0.02 }]]);
      expect(h.recorder.of('closed')).toEqual([
        [
          {
            code: 1006,
            reason: 'open_failed',
            abnormal: true,
            message: 'protocol_error: subscribe refused',
          },
          1.5,
        ],
      ]);
      expect(h.recorder.of('connect_failed')).toEqual([
        ['protocol_error', undefined, 'subscribe refused'],
      ]);
      // One attempt in the history: the broken session goes with its connect failure.
      expect(h.records().map((record) => record.result)).toEqual([
        { success: false, reason: 'protocol_error', durationSeconds: 1.5 },
      ]);
      await h.stop();
    });

    it('passes the audio events and every other event of the protocol on untouched', async () => {
      const h = await RunnerHarness.started();
      const { context } = h.protocol.last;
      const passed: ProbeEvent[] = [
        { type: 'frame_sent', lateSeconds: 0.002 },
        { type: 'ping', layer: 'control', rttSeconds: 0.004 },
        { type: 'health', healthy: false, detail: 'slow' },
      ];
      for (const event of passed) context.emit(event);
      // The very objects, in order, after the runner's own `attempt_started`.
      expect(h.recorder.events.slice(1)).toHaveLength(passed.length);
      passed.forEach((event, index) => {
        expect(h.recorder.events[index + 1]).toBe(event);
      });
      expect(h.recorder.of('ping')).toEqual([['control', 0.004]]);
      expect(h.recorder.of('health')).toEqual([[false, 'slow']]);
      await h.stop();
    });

    it('closes each attempt once: its log lines, then one connect_failed or closed', async () => {
      const h = await RunnerHarness.started();
      await vi.advanceTimersByTimeAsync(250);
      await h.fail();
      await vi.advanceTimersByTimeAsync(500);
      await h.live(4_000, ABNORMAL);
      await vi.advanceTimersByTimeAsync(1_000);
      await h.live(20_000, PLANNED);
      await vi.advanceTimersByTimeAsync(125);
      expect(h.protocol.opens).toHaveLength(4);
      // The probe history records an attempt when its connect_failed or closed arrives.
      expect(h.records().map((record) => record.result)).toEqual([
        { success: false, reason: 'unauthorized', durationSeconds: 0.25 },
        { success: false, reason: 'abnormal_closure', durationSeconds: 4 },
        { success: true, reason: 'planned', durationSeconds: 20 },
      ]);
      expect(lines(h.records()[0])).toEqual([
        { level: 'error', message: 'connect failed (unauthorized): HTTP 401 at the upgrade' },
      ]);
      expect(lines(h.records()[1]).map((line) => line.level)).toEqual(['info', 'error']);
      expect(lines(h.records()[2]).map((line) => line.level)).toEqual(['info', 'info']);
      // Each finished attempt: its log lines, then exactly one closing event, last.
      const finished = attempts(h.recorder.events).slice(0, 3);
      expect(finished.map((types) => types.filter((type) => type !== 'reconnecting'))).toEqual([
        ['attempt_started', 'log', 'connect_failed'],
        ['attempt_started', 'log', 'log', 'closed'],
        ['attempt_started', 'log', 'log', 'closed'],
      ]);
      // What the protocol logs through its context belongs to its own attempt.
      h.protocol.last.context.log.info('subscribing');
      // The session alive at stop is recorded as a shutdown.
      const last = h.protocol.last.connect();
      await vi.advanceTimersByTimeAsync(2_000);
      await h.stop();
      expect(last.close).toHaveBeenCalledTimes(1);
      expect(h.records()).toHaveLength(4);
      expect(h.records()[3]?.result).toEqual({
        success: true,
        reason: 'shutdown',
        durationSeconds: 2,
      });
      expect(lines(h.records()[3]).map((line) => line.message)).toEqual([
        'subscribing',
        'session open',
        'session ended (shutdown): closed by us',
      ]);
    });
  });

  describe('stop()', () => {
    it('returns promptly during a back-off and opens nothing more', async () => {
      const h = await RunnerHarness.started();
      await h.fail();
      await vi.advanceTimersByTimeAsync(100);
      const stopping = track(h.runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      expect(h.recorder.of('stopped')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
      expect(h.recorder.of('reconnecting')).toHaveLength(1);
      expect(h.recorder.of('connect_failed')).toHaveLength(1);
    });

    it('aborts the attempt’s signal during a connect and reports nothing for it', async () => {
      const h = await RunnerHarness.started();
      const { signal } = h.protocol.last.context;
      expect(signal.aborted).toBe(false);
      const stopping = track(h.runner.stop());
      expect(signal.aborted).toBe(true);
      // The protocol gives up on the abort, as the real ones do.
      await h.fail(ABORTED);
      expect(stopping.settled).toBe(true);
      expect(h.types()).toEqual(['attempt_started', 'stopped']);
      expect(h.records()).toEqual([]);
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
    });

    it('closes and reports a session that opened after stop', async () => {
      const h = await RunnerHarness.started();
      const stopping = track(h.runner.stop());
      await settle();
      expect(stopping.settled).toBe(false);
      const session = h.protocol.last.connect();
      await settle();
      expect(session.close).toHaveBeenCalledTimes(1);
      expect(stopping.settled).toBe(true);
      expect(h.recorder.of('closed')).toEqual([[SHUTDOWN_END, 0]]);
      expect(h.recorder.of('reconnecting')).toEqual([]);
      expect(h.recorder.of('stopped')).toHaveLength(1);
      expect(h.protocol.opens).toHaveLength(1);
    });

    it('closes a live session, reports its close once and does not reconnect', async () => {
      const h = await RunnerHarness.started();
      const session = h.protocol.last.connect();
      await vi.advanceTimersByTimeAsync(7_000);
      const stopping = track(h.runner.stop());
      expect(session.close).toHaveBeenCalledTimes(1);
      await settle();
      expect(stopping.settled).toBe(true);
      expect(h.recorder.of('closed')).toEqual([[SHUTDOWN_END, 7]]);
      expect(h.recorder.of('reconnecting')).toEqual([]);
      expect(session.terminations).toBe(0);
      expect(h.order).toEqual(['attempt_started 0', 'open 0', 'stopped']);
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
    });

    it('terminates a peer that ignores close() once the grace has run out', async () => {
      const h = await RunnerHarness.started();
      const session = h.protocol.last.connect({ ignoresClose: true });
      await vi.advanceTimersByTimeAsync(1_000);
      const stopping = track(h.runner.stop());
      await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
      expect(session.close).toHaveBeenCalledTimes(1);
      expect(session.terminations).toBe(0);
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(session.terminations).toBe(1);
      expect(stopping.settled).toBe(true);
      expect(h.recorder.of('closed')).toHaveLength(1);
      expect(h.recorder.of('closed')[0]?.[0]).toMatchObject({ reason: 'shutdown', code: 1006 });
      expect(h.recorder.of('stopped')).toHaveLength(1);
      expect(h.recorder.of('reconnecting')).toEqual([]);
    });

    it('releases what an attempt stuck opening holds once the grace has run out', async () => {
      const h = await RunnerHarness.started();
      const stuck = h.protocol.last;
      // A stalled open transaction: the socket is up, the protocol ignores the abort.
      const socket = {
        terminate: vi.fn(() => {
          stuck.fail(new ConnectError('connection_reset', 'socket terminated'));
        }),
      };
      adoptInAttempt(stuck.context.signal, socket);
      const stopping = track(h.runner.stop());
      await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
      expect(socket.terminate).not.toHaveBeenCalled();
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(socket.terminate).toHaveBeenCalledTimes(1);
      expect(stopping.settled).toBe(true);
      expect(h.types()).toEqual(['attempt_started', 'stopped']);
    });

    it.each([
      ['a session that ignores close() and cannot be terminated', true],
      ['an attempt stuck opening that holds nothing', false],
    ])('gives up on %s after two graces', async (_name, connected) => {
      const h = await RunnerHarness.started();
      if (connected) h.protocol.last.connect({ ignoresClose: true, noTerminate: true });
      const stopping = track(h.runner.stop());
      await vi.advanceTimersByTimeAsync(2 * STOP_GRACE_MS - 1);
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(stopping.settled).toBe(true);
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toHaveLength(1);
      expect(h.types()).toEqual(['attempt_started', 'stopped']);
    });

    it('emits attempt_started before every open() and stopped once, last', async () => {
      const h = new RunnerHarness();
      h.start();
      h.runner.start();
      await settle();
      await h.fail();
      await vi.advanceTimersByTimeAsync(500);
      await h.live(1_000, ABNORMAL);
      await vi.advanceTimersByTimeAsync(1_000);
      await h.stop();
      expect(h.order).toEqual([
        'attempt_started 0',
        'open 0',
        'attempt_started 1',
        'open 1',
        'attempt_started 2',
        'open 2',
        'stopped',
      ]);
    });

    it('works before start(), and a start() after it opens nothing', async () => {
      const h = new RunnerHarness();
      const stopping = track(h.runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      h.start();
      await vi.advanceTimersByTimeAsync(A_WHILE_MS);
      expect(h.protocol.opens).toEqual([]);
      expect(h.types()).toEqual(['stopped']);
      expect(h.escaped).toEqual([]);
    });
  });

  it('terminates what a failed attempt opened, and leaves a connected session’s alone', async () => {
    const h = await RunnerHarness.started();
    const failed = { terminate: vi.fn() };
    adoptInAttempt(h.protocol.last.context.signal, failed);
    await h.fail();
    expect(failed.terminate).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500);
    const handedOver = { terminate: vi.fn() };
    adoptInAttempt(h.protocol.last.context.signal, handedOver);
    h.protocol.last.connect();
    await settle();
    await h.stop();
    expect(handedOver.terminate).not.toHaveBeenCalled();
  });

  describe('its own failures', () => {
    // The runner's reports cannot throw any more: its emit is the target's pipeline, which
    // contains a failing sink (test/sinks/fan-out.test.ts). What is left to the runner is a
    // protocol that breaks its own contract.
    it('backs off when a session’s `ended` rejects, reporting an internal connect failure', async () => {
      const h = await RunnerHarness.started();
      h.protocol.last.connect().crash(new Error('ended broke'));
      await settle();
      expect(h.recorder.of('connect_failed')).toEqual([['internal', undefined, 'ended broke']]);
      await h.expectReconnect('handshake_failed', 500);
      await h.fail();
      await h.expectReconnect('handshake_failed', 1_000);
      expect(h.escaped).toEqual([]);
      await h.stop();
    });
  });

  describe('stop() during an attempt still opening', () => {
    it('reports the close of a session announced connected and aborted by stop', async () => {
      const h = await RunnerHarness.started();
      h.protocol.last.context.emit({ type: 'connected', phases: { tcp: 0.01 } });
      await vi.advanceTimersByTimeAsync(1_000);
      const stopping = h.runner.stop();
      await h.fail(ABORTED);
      await stopping;
      // Reported down, or ws_connected would stay 1 and the session span open.
      expect(h.recorder.of('closed')).toEqual([
        [{ code: 1001, reason: 'shutdown', abnormal: false, message: 'target stopped' }, 1],
      ]);
      expect(h.types()).toEqual(['attempt_started', 'connected', 'closed', 'stopped']);
      expect(h.recorder.of('connect_failed')).toEqual([]);
    });

    it.each([
      ['its open() gives up on the abort', false],
      ['its session opens after the abort', true],
    ])('leaves its log lines to the probe history when %s', async (_name, opens) => {
      const h = await RunnerHarness.started();
      h.protocol.last.context.log.info('dialling');
      await vi.advanceTimersByTimeAsync(1_500);
      const stopping = h.runner.stop();
      if (opens) h.protocol.last.connect();
      else h.protocol.last.fail(ABORTED);
      await stopping;
      // The lines are followed by `closed` (a session that opened) or by `stopped` alone; either
      // way the history records them as one shutdown attempt (src/sinks/history.ts).
      expect(h.types()).toEqual(
        opens
          ? ['attempt_started', 'log', 'closed', 'stopped']
          : ['attempt_started', 'log', 'stopped'],
      );
      expect(h.records().map((record) => [record.result, lines(record)])).toEqual([
        [
          { success: true, reason: 'shutdown', durationSeconds: opens ? 0 : 1.5 },
          [{ level: 'info', message: 'dialling' }],
        ],
      ]);
    });
  });
});

/** A record's log lines without their timestamps. */
function lines(record: ProbeRecord | undefined): { level: string; message: string }[] {
  return (record?.lines ?? []).map(({ level, message }) => ({ level, message }));
}

/** The event types of each attempt, an attempt running from one `attempt_started` to the next. */
function attempts(events: readonly ProbeEvent[]): ProbeEvent['type'][][] {
  const split: ProbeEvent['type'][][] = [];
  for (const event of events) {
    if (event.type === 'attempt_started') split.push([]);
    split.at(-1)?.push(event.type);
  }
  return split;
}
