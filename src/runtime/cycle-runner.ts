import type { Target } from '../config/load.ts';
import { logTo, type Emit, type ProbeResult } from '../events/probe-event.ts';
import type { Prober } from '../probers/types.ts';

/** A prober that ignores its abort signal still gets this long past the timeout. */
const ABANDON_GRACE_MS = 1_000;

/**
 * Runs one probe cycle under the target's timeout and turns whatever happens — a result, a
 * throw, a hang — into exactly one `cycle_ended` event (or `cycle_cancelled` when shutdown or a
 * reload cut it short). The scheduler never sees an exception.
 */
export async function runCycle(
  target: Target,
  prober: Prober,
  stopSignal: AbortSignal,
  emit: Emit,
): Promise<ProbeResult | undefined> {
  const started = performance.now();
  const log = logTo(emit);
  const signal = AbortSignal.any([stopSignal, AbortSignal.timeout(target.timeout)]);
  emit({ type: 'cycle_started', timeoutSeconds: target.timeout / 1000 });
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
    // A prober that throws is a bug; `internal` is counted as one by the metrics sink.
    log.error('prober threw; this is a bug', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    result = {
      success: false,
      reason: 'internal',
      message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
      durationSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearTimeout(abandonTimer);
  }
  // A run cut short by shutdown or reload says nothing about the target.
  if (stopSignal.aborted) {
    emit({ type: 'cycle_cancelled' });
    return undefined;
  }

  // The cycle's duration includes what the prober did around the request (e.g. fetching a
  // token); the request itself is the `total` phase.
  result = { ...result, durationSeconds: (performance.now() - started) / 1000 };
  (result.success ? log.info : log.error)(
    result.success
      ? `probe succeeded: ${result.message ?? ''}`
      : `probe failed (${result.reason}): ${result.message ?? ''}`,
    { duration_seconds: Math.round(result.durationSeconds * 1e6) / 1e6 },
  );
  emit({ type: 'cycle_ended', result });
  return result;
}
