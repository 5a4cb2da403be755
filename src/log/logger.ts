import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { LogFmtTransportOptions } from 'pino-logfmt';
import type { Redactor } from '../config/redact.ts';

export type LogFormat = 'logfmt' | 'json';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Current redactor; read on every line so a reload's new secrets are scrubbed too. */
  redactor: () => Redactor;
  /** Where JSON lines go (tests); default stderr. logfmt always goes to stderr. */
  destination?: Writable;
}

/**
 * The structured logger (pino). Every line passes through the redactor just before it is
 * written, so no code path can leak a secret into the logs by accident.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: (line) => options.redactor()(line) },
  };
  if (options.format === 'json') {
    return pino(pinoOptions, options.destination ?? pino.destination({ dest: 2, sync: true }));
  }
  // pino-logfmt's typings omit its default export (the transport factory), so name its type here.
  const { default: buildLogfmt } = (await import('pino-logfmt')) as unknown as {
    default: (options: LogFmtTransportOptions) => Promise<Writable>;
  };
  const stream = await buildLogfmt({
    destination: 2,
    sync: true,
    escapeMultilineStrings: true,
    flattenNestedObjects: true,
  });
  return pino(pinoOptions, stream);
}
