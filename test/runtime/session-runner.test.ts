import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackoffSettings } from '../../src/probers/session/backoff.ts';
import { adoptInAttempt } from '../../src/probers/session/attempt-scope.ts';
import {
  PLANNED_MIN_LIFETIME_MS,
  STOP_GRACE_MS,
  SessionRunner,
} from '../../src/probers/session/session-runner.ts';
import {
  ConnectError,
  type SessionEnd,
  type SessionEvents,
} from '../../src/probers/session/types.ts';
import { MAX_TIMER_MS } from '../../src/scheduler/delay.ts';
import { recordingEvents } from '../helpers/session-events.ts';
import {
  recordingLog,
  ScriptedProtocol,
  SHUTDOWN_END,
  type RecordingLog,
} from './scripted-protocol.ts';

/** Windows 1 s, 2 s, 4 s, 8 s; with random 0.5 the failures wait 0.5 s, 1 s, 2 s, 4 s, 4 s. */
const BACKOFF: BackoffSettings = { initialMs: 1_000, maxMs: 8_000, stableAfterMs: 60_000 };
const ALMOST_ONE = 1 - Number.EPSILON;

const ABNORMAL: SessionEnd = {
  code: 1006,
  reason: 'abnormal_closure',
  abnormal: true,
  message: 'TCP lost',
};
const PLANNED: SessionEnd = {
  code: 1000,
  reason: 'planned',
  abnormal: false,
  message: 'socket_closing',
  immediate: true,
};
const REFUSED = new ConnectError('unauthorized', 'HTTP 401 at the upgrade', 401);

/** A runner over a scripted protocol, with every event, log and lifecycle call recorded. */
function harness(
  options: { random?: () => number; events?: Partial<SessionEvents>; lifecycle?: boolean } = {},
) {
  const protocol = new ScriptedProtocol();
  const recorder = recordingEvents();
  const logs: RecordingLog[] = [];
  /** Lifecycle hooks and open() calls, in the order they happened. */
  const order: string[] = [];
  const lifecycle = {
    attemptStarting: vi.fn(() => {
      order.push(`attemptStarting ${protocol.opens.length}`);
    }),
    stopped: vi.fn(() => {
      order.push('stopped');
    }),
  };
  const open = protocol.open;
  protocol.open = (context) => {
    order.push(`open ${protocol.opens.length}`);
    return open(context);
  };
  const runner = new SessionRunner(
    protocol,
    { ...recorder.events, ...options.events },
    recorder.audio,
    () => {
      const log = recordingLog();
      logs.push(log);
      return log.log;
    },
    BACKOFF,
    options.random ?? (() => 0.5),
    options.lifecycle === false ? undefined : lifecycle,
  );
  return { runner, protocol, recorder, logs, lifecycle, order };
}

/** Lets the runner react to what the test just settled (promise callbacks, no clock time). */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** Tracks whether a promise has settled, for asserting "not yet" under fake timers. */
function track(promise: Promise<unknown>) {
  const state = { settled: false };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

/** The delays (ms) the runner announced through `reconnecting`, with their reasons. */
function announced(recorder: ReturnType<typeof recordingEvents>) {
  return recorder.of('reconnecting').map(([reason, seconds]) => ({
    reason,
    ms: Math.round((seconds as number) * 1000),
  }));
}

/**
 * Checks that the attempt after the last finished one opened exactly `delayMs` after it
 * finished: nothing one millisecond before, one open then. (A 0 ms reconnect has already
 * happened by the time the test looks.)
 */
async function expectOpenAfter(protocol: ScriptedProtocol, delayMs: number): Promise<void> {
  const finished = protocol.opens.findLastIndex((open) => open.finishedAt !== undefined);
  const finishedAt = protocol.opens[finished]?.finishedAt;
  if (finishedAt === undefined) throw new Error('no attempt has finished yet');
  const due = finishedAt + delayMs;
  if (due > Date.now()) {
    await vi.advanceTimersByTimeAsync(due - 1 - Date.now());
    expect(protocol.opens).toHaveLength(finished + 1);
    await vi.advanceTimersByTimeAsync(1);
  }
  expect(protocol.opens).toHaveLength(finished + 2);
  expect(protocol.last.at).toBe(due);
}

describe('SessionRunner', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('reconnect schedule', () => {
    it('backs off consecutive connect failures, opening again exactly when announced', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      expect(protocol.opens).toHaveLength(1);
      const expected = [500, 1_000, 2_000, 4_000, 4_000];
      for (const [index, delay] of expected.entries()) {
        protocol.last.fail(REFUSED);
        await settle();
        expect(announced(recorder).at(-1)).toEqual({ reason: 'handshake_failed', ms: delay });
        expect(recorder.of('reconnecting')).toHaveLength(index + 1);
        await expectOpenAfter(protocol, delay);
      }
      expect(recorder.of('connectFailed')).toHaveLength(expected.length);
      await stopAndDrain(runner, protocol);
    });

    it('backs off after abnormal closes, widening the window while sessions stay short', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      for (const delay of [500, 1_000, 2_000]) {
        const session = protocol.last.connect();
        await vi.advanceTimersByTimeAsync(5_000);
        session.end(ABNORMAL);
        await settle();
        expect(announced(recorder).at(-1)).toEqual({ reason: 'abnormal_closure', ms: delay });
        await expectOpenAfter(protocol, delay);
      }
      await stopAndDrain(runner, protocol);
    });

    it('starts the back-off over after a session that lived stable_after, not one shorter', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      // Three failures widen the window to 8 s.
      for (const delay of [500, 1_000, 2_000]) {
        protocol.last.fail(REFUSED);
        await settle();
        await expectOpenAfter(protocol, delay);
      }
      // Just short of stable: the window keeps growing (8 s × 0.5).
      let session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(BACKOFF.stableAfterMs - 1);
      session.end(ABNORMAL);
      await settle();
      expect(announced(recorder).at(-1)).toEqual({ reason: 'abnormal_closure', ms: 4_000 });
      await expectOpenAfter(protocol, 4_000);
      // Stable: back to the first window (1 s × 0.5).
      session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(BACKOFF.stableAfterMs);
      session.end(ABNORMAL);
      await settle();
      expect(announced(recorder).at(-1)).toEqual({ reason: 'abnormal_closure', ms: 500 });
      await expectOpenAfter(protocol, 500);
      // And the window widens again from there.
      protocol.last.fail(REFUSED);
      await settle();
      expect(announced(recorder).at(-1)).toEqual({ reason: 'handshake_failed', ms: 1_000 });
      await stopAndDrain(runner, protocol);
    });

    it.each([
      ['random ~1', ALMOST_ONE, 249],
      ['random 0', 0, 0],
    ])(
      'reconnects a planned close of a mature session within 250 ms (%s)',
      async (_name, random, delay) => {
        const { runner, protocol, recorder } = harness({ random: () => random });
        runner.start();
        await settle();
        const session = protocol.last.connect();
        await vi.advanceTimersByTimeAsync(PLANNED_MIN_LIFETIME_MS);
        session.end(PLANNED);
        await settle();
        expect(announced(recorder)).toEqual([{ reason: 'planned', ms: delay }]);
        await expectOpenAfter(protocol, delay);
        await stopAndDrain(runner, protocol);
      },
    );

    it('does not spend a back-off step on a planned reconnect of a mature session', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await settle();
      await expectOpenAfter(protocol, 500);
      const session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(PLANNED_MIN_LIFETIME_MS);
      session.end(PLANNED);
      await settle();
      await expectOpenAfter(protocol, 125);
      protocol.last.fail(REFUSED);
      await settle();
      // The second window (2 s), as if the planned reconnect had not happened.
      expect(announced(recorder).map((entry) => entry.ms)).toEqual([500, 125, 1_000]);
      await stopAndDrain(runner, protocol);
    });

    it('sends a planned close of a young session through the back-off, at least half the window', async () => {
      const { runner, protocol, recorder } = harness({ random: () => 0 });
      runner.start();
      await settle();
      // Two failures: the window is now 4 s (random 0 draws 0 ms from next()).
      for (let index = 0; index < 2; index++) {
        protocol.last.fail(REFUSED);
        await settle();
        await expectOpenAfter(protocol, 0);
      }
      // A server announcing socket_closing right after every connect (issue 9).
      for (const delay of [2_000, 4_000, 4_000]) {
        const session = protocol.last.connect();
        await vi.advanceTimersByTimeAsync(PLANNED_MIN_LIFETIME_MS - 1);
        session.end(PLANNED);
        await settle();
        expect(announced(recorder).at(-1)).toEqual({ reason: 'planned', ms: delay });
        await expectOpenAfter(protocol, delay);
      }
      await stopAndDrain(runner, protocol);
    });

    it('honours nextInMs exactly, ahead of immediate and the back-off', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(1_000);
      session.end({
        code: 1000,
        reason: 'completed',
        abnormal: false,
        message: 'done',
        immediate: true,
        nextInMs: 30_000,
      });
      await settle();
      expect(announced(recorder)).toEqual([{ reason: 'completed', ms: 30_000 }]);
      await expectOpenAfter(protocol, 30_000);
      await stopAndDrain(runner, protocol);
    });

    it('clamps a huge nextInMs to the longest timer instead of letting Node fire it at once', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect();
      session.end({
        code: 1000,
        reason: 'completed',
        abnormal: false,
        message: 'done',
        nextInMs: 1e13,
      });
      await settle();
      expect(recorder.of('reconnecting')).toEqual([['completed', MAX_TIMER_MS / 1000]]);
      // Past 2^31−1 ms Node arms a 1 ms timer: nothing may open early.
      await vi.advanceTimersByTimeAsync(60_000);
      expect(protocol.opens).toHaveLength(1);
      await expectOpenAfter(protocol, MAX_TIMER_MS);
      await stopAndDrain(runner, protocol);
    });

    it.each([
      ['negative', -5_000, 'completed', 0],
      ['NaN', Number.NaN, 'abnormal_closure', 500],
      ['Infinity', Number.POSITIVE_INFINITY, 'abnormal_closure', 500],
    ])('treats a %s nextInMs safely', async (_name, nextInMs, reason, delay) => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect();
      // Not finite: ignored, the end's own kind decides (here an abnormal close → back-off).
      session.end(
        Number.isFinite(nextInMs)
          ? { code: 1000, reason: 'completed', abnormal: false, message: 'done', nextInMs }
          : { ...ABNORMAL, nextInMs },
      );
      await settle();
      expect(announced(recorder)).toEqual([{ reason, ms: delay }]);
      await expectOpenAfter(protocol, delay);
      await stopAndDrain(runner, protocol);
    });

    it('stops the loop when the session itself ends with shutdown', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(2_000);
      session.end(SHUTDOWN_END);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(protocol.opens).toHaveLength(1);
      expect(recorder.of('closed')).toEqual([[SHUTDOWN_END, 2]]);
      expect(recorder.of('reconnecting')).toEqual([]);
      // Only stop() reports `stopped`; it returns at once, the loop being over.
      expect(lifecycle.stopped).not.toHaveBeenCalled();
      const stopping = track(runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
    });
  });

  describe('events, each exactly once', () => {
    it('reports every close with its end and session seconds, every reconnect once', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      let session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(3_000);
      session.end(ABNORMAL);
      await vi.advanceTimersByTimeAsync(500);
      session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(12_000);
      session.end(PLANNED);
      await vi.advanceTimersByTimeAsync(250);
      expect(protocol.opens).toHaveLength(3);
      expect(recorder.of('closed')).toEqual([
        [ABNORMAL, 3],
        [PLANNED, 12],
      ]);
      expect(announced(recorder)).toEqual([
        { reason: 'abnormal_closure', ms: 500 },
        { reason: 'planned', ms: 125 },
      ]);
      // Closes and reconnects alternate: nothing doubled, nothing skipped.
      expect(
        recorder.log
          .filter((entry) => entry.type === 'closed' || entry.type === 'reconnecting')
          .map((entry) => entry.type),
      ).toEqual(['closed', 'reconnecting', 'closed', 'reconnecting']);
      expect(recorder.of('connectFailed')).toEqual([]);
      await stopAndDrain(runner, protocol);
    });

    it('reports connectFailed with the ConnectError reason, status and message', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await settle();
      expect(recorder.of('connectFailed')).toEqual([
        ['unauthorized', 401, 'HTTP 401 at the upgrade'],
      ]);
      expect(recorder.of('closed')).toEqual([]);
      await stopAndDrain(runner, protocol);
    });

    it.each([
      ['an Error', new Error('undefined is not a function'), 'undefined is not a function'],
      ['a string', 'weird', 'weird'],
    ])('turns a rejection with %s into reason internal', async (_name, error, message) => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      protocol.last.fail(error);
      await settle();
      expect(recorder.of('connectFailed')).toEqual([['internal', undefined, message]]);
      expect(announced(recorder)).toEqual([{ reason: 'handshake_failed', ms: 500 }]);
      await expectOpenAfter(protocol, 500);
      await stopAndDrain(runner, protocol);
    });

    it('reports closed(open_failed) before connectFailed when the protocol had reported connected', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      protocol.last.context.events.connected({ tcp: 0.01, upgrade: 0.02 });
      await vi.advanceTimersByTimeAsync(1_500);
      protocol.last.fail(new ConnectError('protocol_error', 'subscribe refused'));
      await settle();
      expect(recorder.log.map((entry) => entry.type)).toEqual([
        'connected',
        'closed',
        'connectFailed',
        'reconnecting',
      ]);
      expect(recorder.of('connected')).toEqual([[{ tcp: 0.01, upgrade: 0.02 }]]);
      expect(recorder.of('closed')).toEqual([
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
      expect(recorder.of('connectFailed')).toEqual([
        ['protocol_error', undefined, 'subscribe refused'],
      ]);
      await stopAndDrain(runner, protocol);
    });

    it('hands the protocol the audio events and every other event untouched', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      const { context } = protocol.last;
      expect(context.audio).toBe(recorder.audio);
      context.events.ping('control', 0.004);
      context.events.healthy(false, 'slow');
      expect(recorder.of('ping')).toEqual([['control', 0.004]]);
      expect(recorder.of('healthy')).toEqual([[false, 'slow']]);
      await stopAndDrain(runner, protocol);
    });

    it('flushes each attempt’s log once, with its success, reason and seconds', async () => {
      const { runner, protocol, logs } = harness();
      runner.start();
      await settle();
      await vi.advanceTimersByTimeAsync(250);
      protocol.last.fail(REFUSED);
      await vi.advanceTimersByTimeAsync(500);
      let session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(4_000);
      session.end(ABNORMAL);
      await vi.advanceTimersByTimeAsync(1_000);
      session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(20_000);
      session.end(PLANNED);
      await vi.advanceTimersByTimeAsync(125);
      expect(protocol.opens).toHaveLength(4);
      expect(logs.map((log) => log.flushes)).toEqual([
        [{ success: false, reason: 'unauthorized', seconds: 0.25 }],
        [{ success: false, reason: 'abnormal_closure', seconds: 4 }],
        [{ success: true, reason: 'planned', seconds: 20 }],
        [],
      ]);
      expect(logs[0]?.lines).toEqual([
        { level: 'error', message: 'connect failed (unauthorized): HTTP 401 at the upgrade' },
      ]);
      expect(logs[1]?.lines.map((line) => line.level)).toEqual(['info', 'error']);
      expect(logs[2]?.lines.map((line) => line.level)).toEqual(['info', 'info']);
      // The open() got the attempt's own log.
      expect(protocol.opens.map((open) => open.context.log)).toEqual(logs.map((log) => log.log));
      // The session alive at stop is flushed as a shutdown.
      const last = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(2_000);
      await stopAndDrain(runner, protocol);
      expect(last.close).toHaveBeenCalledTimes(1);
      expect(logs[3]?.flushes).toEqual([{ success: true, reason: 'shutdown', seconds: 2 }]);
    });
  });

  describe('stop()', () => {
    it('returns promptly during a back-off and opens nothing more', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await vi.advanceTimersByTimeAsync(100);
      const stopping = track(runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(protocol.opens).toHaveLength(1);
      expect(recorder.of('reconnecting')).toHaveLength(1);
      expect(recorder.of('connectFailed')).toHaveLength(1);
    });

    it('aborts the attempt’s signal during a connect and reports nothing for it', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      const { signal } = protocol.last.context;
      expect(signal.aborted).toBe(false);
      const stopping = track(runner.stop());
      expect(signal.aborted).toBe(true);
      // The protocol gives up on the abort, as the real ones do.
      protocol.last.fail(new ConnectError('aborted', 'target stopped'));
      await settle();
      expect(stopping.settled).toBe(true);
      expect(recorder.log).toEqual([]);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(protocol.opens).toHaveLength(1);
    });

    it('closes and reports a session that opened after stop', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      const stopping = track(runner.stop());
      await settle();
      expect(stopping.settled).toBe(false);
      const session = protocol.last.connect();
      await settle();
      expect(session.close).toHaveBeenCalledTimes(1);
      expect(stopping.settled).toBe(true);
      expect(recorder.of('closed')).toEqual([[SHUTDOWN_END, 0]]);
      expect(recorder.of('reconnecting')).toEqual([]);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
      expect(protocol.opens).toHaveLength(1);
    });

    it('closes a live session, reports its close once and does not reconnect', async () => {
      const { runner, protocol, recorder, order } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(7_000);
      const stopping = track(runner.stop());
      expect(session.close).toHaveBeenCalledTimes(1);
      await settle();
      expect(stopping.settled).toBe(true);
      expect(recorder.of('closed')).toEqual([[SHUTDOWN_END, 7]]);
      expect(recorder.of('reconnecting')).toEqual([]);
      expect(session.terminations).toBe(0);
      expect(order).toEqual(['attemptStarting 0', 'open 0', 'stopped']);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(protocol.opens).toHaveLength(1);
    });

    it('terminates a peer that ignores close() once the grace has run out', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      const session = protocol.last.connect({ ignoresClose: true });
      await vi.advanceTimersByTimeAsync(1_000);
      const stopping = track(runner.stop());
      await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
      expect(session.close).toHaveBeenCalledTimes(1);
      expect(session.terminations).toBe(0);
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(session.terminations).toBe(1);
      expect(stopping.settled).toBe(true);
      expect(recorder.of('closed')).toHaveLength(1);
      expect(recorder.of('closed')[0]?.[0]).toMatchObject({ reason: 'shutdown', code: 1006 });
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
      expect(recorder.of('reconnecting')).toEqual([]);
    });

    it('gives up on a peer that ignores close() and cannot be terminated, after two graces', async () => {
      const { runner, protocol, lifecycle } = harness();
      runner.start();
      await settle();
      protocol.last.connect({ ignoresClose: true, noTerminate: true });
      const stopping = track(runner.stop());
      await vi.advanceTimersByTimeAsync(2 * STOP_GRACE_MS - 1);
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(stopping.settled).toBe(true);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
    });

    it('releases what an attempt stuck opening holds once the grace has run out', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      const stuck = protocol.last;
      // A stalled open transaction: the socket is up, the protocol ignores the abort.
      const socket = {
        terminate: vi.fn(() => {
          stuck.fail(new ConnectError('aborted', 'socket terminated'));
        }),
      };
      adoptInAttempt(stuck.context.signal, socket);
      const stopping = track(runner.stop());
      await vi.advanceTimersByTimeAsync(STOP_GRACE_MS - 1);
      expect(socket.terminate).not.toHaveBeenCalled();
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(socket.terminate).toHaveBeenCalledTimes(1);
      expect(stopping.settled).toBe(true);
      expect(recorder.log).toEqual([]);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
    });

    it('gives up on an attempt stuck opening that holds nothing, after two graces', async () => {
      const { runner, protocol, recorder, lifecycle } = harness();
      runner.start();
      await settle();
      // open() never settles, abort or not.
      const stopping = track(runner.stop());
      await vi.advanceTimersByTimeAsync(2 * STOP_GRACE_MS - 1);
      expect(stopping.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(stopping.settled).toBe(true);
      expect(lifecycle.stopped).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(protocol.opens).toHaveLength(1);
      expect(recorder.log).toEqual([]);
    });

    it('calls attemptStarting before every open() and stopped once, last', async () => {
      const { runner, protocol, order } = harness();
      runner.start();
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await vi.advanceTimersByTimeAsync(500);
      const session = protocol.last.connect();
      await vi.advanceTimersByTimeAsync(1_000);
      session.end(ABNORMAL);
      await vi.advanceTimersByTimeAsync(1_000);
      await stopAndDrain(runner, protocol);
      expect(order).toEqual([
        'attemptStarting 0',
        'open 0',
        'attemptStarting 1',
        'open 1',
        'attemptStarting 2',
        'open 2',
        'stopped',
      ]);
    });

    it('works without lifecycle hooks, and before start()', async () => {
      const { runner, protocol } = harness({ lifecycle: false });
      const stopping = track(runner.stop());
      await settle();
      expect(stopping.settled).toBe(true);
      runner.start();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(protocol.opens).toEqual([]);
    });
  });

  describe('attempt resources', () => {
    it('terminates what a failed attempt opened, and leaves a connected session’s alone', async () => {
      const { runner, protocol } = harness();
      runner.start();
      await settle();
      const failed = { terminate: vi.fn() };
      adoptInAttempt(protocol.last.context.signal, failed);
      protocol.last.fail(REFUSED);
      await settle();
      expect(failed.terminate).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(500);
      const handedOver = { terminate: vi.fn() };
      adoptInAttempt(protocol.last.context.signal, handedOver);
      protocol.last.connect();
      await settle();
      await stopAndDrain(runner, protocol);
      expect(handedOver.terminate).not.toHaveBeenCalled();
    });
  });

  describe('its own failures', () => {
    it('backs off when events.connectFailed throws, with nothing escaping the loop', async () => {
      const connectFailed = vi.fn(() => {
        throw new Error('metrics broke');
      });
      const { runner, protocol, recorder } = harness({ events: { connectFailed } });
      const escaped = catchEscapes(runner);
      runner.start();
      await settle();
      for (const delay of [500, 1_000, 2_000]) {
        protocol.last.fail(REFUSED);
        await settle();
        expect(announced(recorder).at(-1)).toEqual({ reason: 'handshake_failed', ms: delay });
        await expectOpenAfter(protocol, delay);
      }
      // Each failure: the ConnectError, then the runner's own `internal` report of the throw.
      expect(connectFailed.mock.calls.slice(0, 2)).toEqual([
        ['unauthorized', 401, 'HTTP 401 at the upgrade'],
        ['internal', undefined, 'metrics broke'],
      ]);
      expect(connectFailed).toHaveBeenCalledTimes(6);
      await stopAndDrain(runner, protocol);
      expect(escaped).toEqual([]);
    });

    it('backs off when events.closed throws at the end of a session', async () => {
      let throwing = true;
      const { runner, protocol, recorder } = harness({
        events: {
          closed: () => {
            if (throwing) throw new Error('closed broke');
          },
        },
      });
      const escaped = catchEscapes(runner);
      runner.start();
      await settle();
      protocol.last.connect().end(ABNORMAL);
      await settle();
      expect(recorder.of('connectFailed')).toEqual([['internal', undefined, 'closed broke']]);
      expect(announced(recorder)).toEqual([{ reason: 'handshake_failed', ms: 500 }]);
      await expectOpenAfter(protocol, 500);
      throwing = false;
      await stopAndDrain(runner, protocol);
      expect(escaped).toEqual([]);
    });

    it('survives an events.reconnecting that throws once', async () => {
      let throws = 1;
      const { runner, protocol, recorder } = harness({
        events: {
          reconnecting: (...args) => {
            if (throws-- > 0) throw new Error('reconnecting broke');
            recorder.events.reconnecting(...args);
          },
        },
      });
      const escaped = catchEscapes(runner);
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await settle();
      // The first announcement threw; the runner's own recovery backs off on the next window.
      expect(recorder.of('connectFailed')).toEqual([
        ['unauthorized', 401, 'HTTP 401 at the upgrade'],
        ['internal', undefined, 'reconnecting broke'],
      ]);
      expect(announced(recorder)).toEqual([{ reason: 'handshake_failed', ms: 1_000 }]);
      await expectOpenAfter(protocol, 1_000);
      await stopAndDrain(runner, protocol);
      expect(escaped).toEqual([]);
    });

    // BUG (src/probers/session/session-runner.ts, run()): the back-off after an internal error
    // calls `this.pause()`, which calls `events.reconnecting`, inside the `catch` block of the
    // loop with nothing around it. An `events.reconnecting` that throws every time (a broken
    // metrics or tracing hook) therefore escapes run(): `loop` rejects with nobody awaiting it
    // (an unhandled rejection, which the last-resort guard only counts) and the target is never
    // probed again, contrary to run()'s doc ("the target keeps being watched and nothing
    // reaches the process as an unhandled rejection").
    it.fails('keeps watching the target when events.reconnecting always throws', async () => {
      const { runner, protocol } = harness({
        events: {
          reconnecting: () => {
            throw new Error('reconnecting broke');
          },
        },
      });
      const escaped = catchEscapes(runner);
      runner.start();
      await settle();
      protocol.last.fail(REFUSED);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(escaped).toEqual([]);
      expect(protocol.opens.length).toBeGreaterThan(1);
    });
  });

  describe('gaps found by these tests', () => {
    // BUG (session-runner.ts, attempt()): when stop() aborts an attempt whose protocol had
    // already reported `connected` (e.g. aborted during its open transaction), the catch returns
    // 'stop' before the `announcedConnected` check: `closed(open_failed)` is never reported, so
    // ws_connected stays 1 and the tracer's session stays open until `stopped`. (Not visible
    // today only because a stopped target's series are removed.)
    it.fails('reports the close of a session announced connected and aborted by stop', async () => {
      const { runner, protocol, recorder } = harness();
      runner.start();
      await settle();
      protocol.last.context.events.connected({ tcp: 0.01 });
      await vi.advanceTimersByTimeAsync(1_000);
      const stopping = runner.stop();
      protocol.last.fail(new ConnectError('aborted', 'target stopped'));
      await stopping;
      expect(recorder.of('closed')).toHaveLength(1);
    });

    // BUG (session-runner.ts, attempt()): the two stop paths of an attempt still opening never
    // call `log.flush` (the open rejected after the abort: `return 'stop'`; the session opened
    // after the abort: closed and `return 'stop'`), while a live session stopped is flushed as
    // `shutdown`. That attempt's log lines never reach the probe history (/probes), which
    // outlives the target on a reload.
    it.fails('flushes the log of an attempt that stop() caught opening', async () => {
      const { runner, protocol, logs } = harness();
      runner.start();
      await settle();
      const stopping = runner.stop();
      protocol.last.connect();
      await stopping;
      expect(logs[0]?.flushes).toHaveLength(1);
    });
  });
});

/** Stops the runner, closing whatever is open, and waits until it is down. */
async function stopAndDrain(runner: SessionRunner, protocol: ScriptedProtocol): Promise<void> {
  const stopping = track(runner.stop());
  await settle();
  if (!stopping.settled && protocol.opens.length > 0) {
    // An open() still pending: settle it as an aborted attempt would.
    protocol.last.fail(new ConnectError('aborted', 'target stopped'));
  }
  await vi.advanceTimersByTimeAsync(2 * STOP_GRACE_MS);
  expect(stopping.settled).toBe(true);
}

/**
 * Collects what escapes the runner's loop. The loop promise is private and nobody awaits it:
 * a rejection there is an unhandled rejection in production; here it is caught (so the test can
 * assert on it instead of vitest failing the run) by reading the field directly.
 */
function catchEscapes(runner: SessionRunner): unknown[] {
  const escaped: unknown[] = [];
  const start = runner.start.bind(runner);
  runner.start = () => {
    start();
    (runner as unknown as { loop: Promise<void> }).loop.catch((error: unknown) => {
      escaped.push(error);
    });
  };
  return escaped;
}
