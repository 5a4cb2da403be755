import type { Logger } from 'pino';
import type { Target } from '../config/load.ts';
import type { Redactor } from '../config/redact.ts';
import type { ProbeLog } from '../probers/types.ts';
import type { ProbeHistory, ProbeLogLine } from '../sinks/history.ts';

/**
 * The log of one session (or one failed connect) of a persistent target: lines are collected
 * while it lives and land in the probe history when it ends, like a probe's log does.
 */
export function createSessionLog(
  target: Target,
  history: ProbeHistory,
  logger: Logger,
  redactor: () => Redactor,
): ProbeLog & { flush: (success: boolean, reason: string, seconds: number) => void } {
  const startedAt = Date.now();
  const lines: ProbeLogLine[] = [];
  const child = logger.child({ target: target.name, kind: target.kind });
  const add = (level: 'info' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    const text = fields === undefined ? message : `${message} ${JSON.stringify(fields)}`;
    lines.push({ time: Date.now(), level, message: redactor()(text) });
    if (level === 'error') child.warn(fields ?? {}, message);
    else child.debug(fields ?? {}, message);
  };
  return {
    info: add('info'),
    error: add('error'),
    flush(success, reason, seconds) {
      history.add({
        target: target.name,
        kind: target.kind,
        startedAt,
        lines,
        result: { success, reason, durationSeconds: seconds },
      });
    },
  };
}
