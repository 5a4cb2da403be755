import type { Logger } from 'pino';
import type { Redactor } from '../config/redact.ts';
import type { InternalErrorSource } from '../metrics/catalogue.ts';

/** Log lines per source and minute; the counter keeps counting past it. */
const LOG_LINES_PER_MINUTE = 10;

/**
 * The last resort behind every handler: an exception nobody caught (a `ws` message handler, a
 * timer, a library callback) or a rejection nobody handled is logged (redacted) and counted,
 * and the process keeps probing every other target instead of exiting with all of them. The
 * probers catch and classify what a peer sends themselves; reaching this guard is a bug, which
 * `cxprobe_internal_errors_total` makes visible. Returns a function that removes the guard.
 */
export function installLastResortGuard(options: {
  logger: Logger;
  /** Counts one caught error; the metrics may not exist yet while the exporter starts. */
  count: (source: InternalErrorSource) => void;
  redactor: () => Redactor;
}): () => void {
  const { logger, count, redactor } = options;
  const logged = new Map<InternalErrorSource, { windowStart: number; lines: number }>();
  const report = (source: InternalErrorSource, error: unknown) => {
    count(source);
    const now = Date.now();
    let window = logged.get(source);
    if (window === undefined || now - window.windowStart >= 60_000) {
      window = { windowStart: now, lines: 0 };
      logged.set(source, window);
    }
    if (window.lines >= LOG_LINES_PER_MINUTE) return;
    window.lines += 1;
    const redact = redactor();
    const detail =
      error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : error;
    logger.error(
      { source, err_detail: redact(String(detail)) },
      'internal error caught by the last-resort guard; this is a bug, the other targets keep running',
    );
  };
  const onException = (error: unknown) => {
    report('uncaught_exception', error);
  };
  const onRejection = (reason: unknown) => {
    report('unhandled_rejection', reason);
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
