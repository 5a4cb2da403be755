import type { Attributes } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Target } from '../config/load.ts';
import type { Redactor } from '../config/redact.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import type { Prober, ProbeLog, ProbeResult } from '../probers/types.ts';
import type { ProbeHistory, ProbeLogLine } from '../sinks/history.ts';
import { CXPROBE_ATTR } from '../tracing/attributes.ts';
import { ProbeSpan } from '../tracing/probe-span.ts';

/** A prober that ignores its abort signal still gets this long past the timeout. */
const ABANDON_GRACE_MS = 1_000;

export interface ProbeRunnerDeps {
  recorder: MetricsRecorder;
  history: ProbeHistory;
  logger: Logger;
  redactor: () => Redactor;
  /** A prober threw (a bug): counted in `internal_errors_total{source="probe"}`. */
  internalError?: () => void;
  /** The target's span attributes (`targetAttributes`); its name and kind when absent. */
  traceAttributes?: Attributes;
}

/**
 * Runs one probe cycle under the target's timeout and turns whatever happens — a result, a
 * throw, a hang — into exactly one recorded result. The scheduler never sees an exception.
 */
export async function runProbe(
  target: Target,
  prober: Prober,
  stopSignal: AbortSignal,
  deps: ProbeRunnerDeps,
  previous: ProbeResult | undefined,
): Promise<ProbeResult | undefined> {
  const startedAt = Date.now();
  const started = performance.now();
  const lines: ProbeLogLine[] = [];
  const logger = deps.logger.child({ target: target.name, kind: target.kind });
  const log: ProbeLog = {
    info: (message, fields) => {
      lines.push({ time: Date.now(), level: 'info', message: withFields(message, fields) });
      logger.debug(fields ?? {}, message);
    },
    error: (message, fields) => {
      lines.push({ time: Date.now(), level: 'error', message: withFields(message, fields) });
      logger.debug(fields ?? {}, message);
    },
  };
  const signal = AbortSignal.any([stopSignal, AbortSignal.timeout(target.timeout)]);
  // The span only ever sees the result's codes and numbers, never its message.
  const span = new ProbeSpan(
    target,
    deps.traceAttributes ?? {
      [CXPROBE_ATTR.target]: target.name,
      [CXPROBE_ATTR.kind]: target.kind,
    },
  );
  log.info('beginning probe', { timeout_seconds: target.timeout / 1000 });

  let result: ProbeResult;
  let abandonTimer: NodeJS.Timeout | undefined;
  try {
    const abandoned = new Promise<ProbeResult>((resolve) => {
      abandonTimer = setTimeout(() => {
        resolve({
          success: false,
          reason: 'timeout',
          message: 'prober did not stop at its timeout',
          durationSeconds: (performance.now() - started) / 1000,
        });
      }, target.timeout + ABANDON_GRACE_MS);
    });
    result = await Promise.race([
      prober.probe({ signal, timeoutMs: target.timeout, log }),
      abandoned,
    ]);
  } catch (error) {
    logger.error({ err: error }, 'prober threw; this is a bug');
    deps.internalError?.();
    result = {
      success: false,
      reason: 'internal',
      message: 'internal error (see the exporter log)',
      durationSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearTimeout(abandonTimer);
  }
  // A run cut short by shutdown or reload says nothing about the target.
  if (stopSignal.aborted) {
    span.cancel();
    return undefined;
  }

  // The cycle's duration includes what the prober did around the request (e.g. fetching a
  // token); the request itself is the `total` phase.
  result = { ...result, durationSeconds: (performance.now() - started) / 1000 };
  const redact = deps.redactor();
  if (result.message !== undefined) result = { ...result, message: redact(result.message) };
  (result.success ? log.info : log.error)(
    result.success
      ? `probe succeeded: ${result.message ?? ''}`
      : `probe failed (${result.reason}): ${result.message ?? ''}`,
    {
      duration_seconds: round(result.durationSeconds),
    },
  );
  for (const line of lines) line.message = redact(line.message);

  span.finish(result);
  // Observations made inside the span carry it as their exemplar.
  span.recording(() => {
    deps.recorder.record(target, result);
  });
  span.end();
  deps.history.add({ target: target.name, kind: target.kind, startedAt, result, lines });
  logTransition(logger, previous, result);
  return result;
}

/** Logs only changes of state, so a target failing every 5 s does not flood the log. */
function logTransition(
  logger: Logger,
  previous: ProbeResult | undefined,
  result: ProbeResult,
): void {
  const fields = {
    reason: result.reason,
    duration_seconds: round(result.durationSeconds),
    detail: result.message,
  };
  if (
    !result.success &&
    (previous === undefined || previous.success || previous.reason !== result.reason)
  ) {
    logger.warn(fields, 'probe failing');
  } else if (result.success && previous !== undefined && !previous.success) {
    logger.info(fields, 'probe recovered');
  } else {
    logger.debug(fields, result.success ? 'probe succeeded' : 'probe still failing');
  }
}

function withFields(message: string, fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return message;
  const parts = Object.entries(fields).map(
    ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return `${message} ${parts.join(' ')}`;
}

function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
