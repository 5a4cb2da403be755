import type { Logger } from 'pino';
import type { Target } from '../config/load.ts';
import type { ProbeEvent } from '../events/probe-event.ts';

/**
 * The log sink: one target's events in the process log. A probe's own lines go out at debug
 * (the landing page keeps them); what an operator needs at info and above is a change of state —
 * a target starting to fail, failing for another reason, a session dropping, recovering — so a
 * target failing every 5 s does not flood the log. Secrets are scrubbed by the logger itself.
 */
export function createLogSink(logger: Logger, target: Target): (event: ProbeEvent) => void {
  const log = logger.child({ target: target.name, kind: target.kind });
  /** `undefined` until the first verdict, then `success` or the failing reason. */
  let state: string | undefined;

  const verdict = (
    reason: string,
    fields: Record<string, unknown>,
    failing: string,
    recovered: string,
  ) => {
    const previous = state;
    state = reason;
    // A bug in cxprobe (a prober that threw, an unclassified error) is always an error line.
    if (reason === 'internal') log.error(fields, 'internal error while probing; this is a bug');
    else if (reason !== 'success' && reason !== previous) log.warn(fields, failing);
    else if (reason === 'success' && previous !== undefined && previous !== 'success')
      log.info(fields, recovered);
    else log.debug(fields, reason === 'success' ? 'probe succeeded' : 'probe still failing');
  };

  return (event) => {
    switch (event.type) {
      case 'log':
        log.debug(event.fields ?? {}, event.message);
        return;
      case 'cycle_ended': {
        const { result } = event;
        verdict(
          result.reason,
          {
            reason: result.reason,
            duration_seconds: round(result.durationSeconds),
            detail: result.message,
          },
          'probe failing',
          'probe recovered',
        );
        return;
      }
      case 'connect_failed':
        verdict(
          event.reason,
          {
            reason: event.reason,
            status: event.httpStatus,
            duration_seconds: round(event.attemptSeconds),
            detail: event.message,
          },
          'session cannot connect',
          'session restored',
        );
        return;
      case 'connected':
        verdict('success', {}, 'session cannot connect', 'session restored');
        return;
      case 'closed': {
        const { end } = event;
        const fields = {
          reason: end.reason,
          code: end.code,
          session_seconds: round(event.sessionSeconds),
          detail: end.message,
        };
        // Every drop is a change of state; back-off bounds how often one can happen.
        if (end.abnormal) {
          state = end.reason;
          log.warn(fields, 'session dropped');
        } else log.debug(fields, 'session ended');
        return;
      }
      case 'turn':
        if (!event.ok || state !== 'success')
          verdict(
            event.ok ? 'success' : event.reason,
            { reason: event.reason, turn_seconds: round(event.turnSeconds) },
            'bot turns failing',
            'bot turns recovered',
          );
        return;
      default:
        return;
    }
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
