import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProbeEvent } from '../../src/events/probe-event.ts';
import { HistorySink } from '../../src/sinks/history.ts';
import { firstTarget } from '../support/session-events.ts';
import { ABNORMAL } from '../runtime/scripted-protocol.ts';

const { target: TARGET } = await firstTarget(`
targets:
  - name: history
    kind: websocket
    url: ws://127.0.0.1:9/never-dialled
`);

/**
 * A HistorySink fed one session target's events, one step at a time: a number advances the
 * (fake) clock by that many ms, an event is handed to the sink. The redactor hides `s3cret`.
 */
function historyOf(...steps: (ProbeEvent | number)[]) {
  const sink = new HistorySink(() => (text) => text.replaceAll('s3cret', '<redacted>'));
  const handle = sink.addTarget(TARGET, 'session');
  for (const step of steps) {
    if (typeof step === 'number') vi.advanceTimersByTime(step);
    else handle(step);
  }
  const records = sink.history.list().reverse();
  return {
    records: records.map(({ startedAt, result, lines }) => ({
      startedAt,
      result,
      lines: lines.map(({ time, level, message }) => ({ time, level, message })),
    })),
    session: sink.targets([TARGET])[0]?.session,
  };
}

const info = (message: string): ProbeEvent => ({ type: 'log', level: 'info', message });
const error = (message: string): ProbeEvent => ({ type: 'log', level: 'error', message });

describe('HistorySink, session targets', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records a failed connect with the lines of its attempt, redacted', () => {
    const { records, session } = historyOf(
      { type: 'attempt_started' },
      250,
      error('connect failed (unauthorized): token s3cret refused'),
      {
        type: 'connect_failed',
        reason: 'unauthorized',
        httpStatus: 401,
        message: 'HTTP 401 for s3cret',
        attemptSeconds: 0.25,
      },
    );
    expect(records).toEqual([
      {
        startedAt: 1_000,
        result: { success: false, reason: 'unauthorized', durationSeconds: 0.25 },
        lines: [
          {
            time: 1_250,
            level: 'error',
            message: 'connect failed (unauthorized): token <redacted> refused',
          },
        ],
      },
    ]);
    expect(session?.lastConnectError).toBe('unauthorized: HTTP 401 for <redacted>');
  });

  it('records a session when it closes: success unless abnormal, one record per attempt', () => {
    const { records, session } = historyOf(
      { type: 'attempt_started' },
      { type: 'connected', phases: {} },
      info('session open'),
      4_000,
      error('session ended (abnormal_closure): TCP lost'),
      { type: 'closed', end: ABNORMAL, sessionSeconds: 4 },
      { type: 'reconnecting', reason: 'abnormal_closure', delaySeconds: 0.5 },
      500,
      { type: 'attempt_started' },
      info('session open'),
      20_000,
      info('session ended (planned): socket_closing'),
      {
        type: 'closed',
        end: { code: 1000, reason: 'planned', abnormal: false, message: 'socket_closing' },
        sessionSeconds: 20,
      },
    );
    expect(
      records.map(({ startedAt, result, lines }) => [startedAt, result, lines.length]),
    ).toEqual([
      [1_000, { success: false, reason: 'abnormal_closure', durationSeconds: 4 }, 2],
      [5_500, { success: true, reason: 'planned', durationSeconds: 20 }, 2],
    ]);
    expect(session).toMatchObject({ connected: false, closes: 2, reconnects: 1 });
  });

  it('records a session broken while it was set up with the connect failure that follows, as one attempt', () => {
    const { records } = historyOf(
      { type: 'attempt_started' },
      { type: 'connected', phases: { tcp: 0.01 } },
      1_500,
      {
        type: 'closed',
        end: { code: 1006, reason: 'open_failed', abnormal: true, message: 'protocol_error: x' },
        sessionSeconds: 1.5,
      },
      error('connect failed (protocol_error): x'),
      {
        type: 'connect_failed',
        reason: 'protocol_error',
        httpStatus: undefined,
        message: 'x',
        attemptSeconds: 1.5,
      },
    );
    expect(records).toHaveLength(1);
    expect(records[0]?.result).toEqual({
      success: false,
      reason: 'protocol_error',
      durationSeconds: 1.5,
    });
  });

  // The runner reports nothing for an attempt that stop() caught while its open() was pending
  // and that then gave up (src/runtime/session-runner.ts): its lines are recorded on `stopped`.
  it('records the pending lines of an attempt caught by stop() when `stopped` arrives', () => {
    const { records } = historyOf({ type: 'attempt_started' }, info('dialling'), 1_500, {
      type: 'stopped',
    });
    expect(records).toEqual([
      {
        startedAt: 1_000,
        result: { success: true, reason: 'shutdown', durationSeconds: 1.5 },
        lines: [{ time: 1_000, level: 'info', message: 'dialling' }],
      },
    ]);
  });

  it('records nothing on `stopped` when no line is pending', () => {
    // Stopped during a back-off: the failed attempt is already recorded, once.
    const failedThenStopped = historyOf(
      { type: 'attempt_started' },
      error('connect failed (timeout): no answer'),
      {
        type: 'connect_failed',
        reason: 'timeout',
        httpStatus: undefined,
        message: 'no answer',
        attemptSeconds: 2,
      },
      { type: 'reconnecting', reason: 'handshake_failed', delaySeconds: 1 },
      100,
      { type: 'stopped' },
    );
    expect(failedThenStopped.records.map((record) => record.result.reason)).toEqual(['timeout']);
    // Stopped while an attempt that had logged nothing was opening.
    expect(historyOf({ type: 'attempt_started' }, 100, { type: 'stopped' }).records).toEqual([]);
  });
});
