import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.ts';
import { Exporter } from '../runtime/exporter.ts';
import { createMetrics, type Metrics } from '../metrics/catalogue.ts';
import { createApp } from '../server/app.ts';
import { startTracing, type Tracing, type TracingOptions } from '../tracing/setup.ts';
import { parseListenAddress } from './listen-address.ts';
import { BUILD } from '../version.ts';

export interface RunningExporter {
  exporter: Exporter;
  server: Server;
  address: AddressInfo;
  metrics: Metrics;
  /** OpenTelemetry tracing, enabled when the OTEL_* environment configures it. */
  tracing: Tracing;
  /** Stops probing, flushes the traces, then closes the HTTP server. Idempotent. */
  stop: () => Promise<void>;
}

/**
 * Starts the exporter: starts tracing if the environment asks for it, loads the config (throws
 * ConfigError), schedules targets, serves HTTP.
 */
export async function startExporter(options: {
  configFile: string;
  listenAddress: string;
  logger: Logger;
  /** Tracing set-up; by default from the process's OTEL_* variables. */
  tracing?: TracingOptions;
}): Promise<RunningExporter> {
  const { logger } = options;
  const listen = parseListenAddress(options.listenAddress);
  // Before the first probe, so every probe is traced.
  const tracing = await startTracing({ logger, ...options.tracing });
  try {
    return await serve(options.configFile, listen, logger, tracing);
  } catch (error) {
    await tracing.shutdown();
    throw error;
  }
}

async function serve(
  configFile: string,
  listen: ReturnType<typeof parseListenAddress>,
  logger: Logger,
  tracing: Tracing,
): Promise<RunningExporter> {
  const metrics = createMetrics(BUILD);
  const exporter = new Exporter(configFile, metrics, logger);
  let ready = false;
  await exporter.start();
  const app = createApp({
    exporter,
    metrics,
    logger,
    version: BUILD.version,
    isReady: () => ready,
  });
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Without a host Node listens on every interface, IPv6 and IPv4 where the host has them.
      server.listen({ port: listen.port, host: listen.host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await exporter.stop();
    throw error;
  }
  ready = true;
  const address = server.address() as AddressInfo;
  logger.info(
    {
      address: `${address.address}:${address.port}`,
      version: BUILD.version,
      targets: exporter.targets().length,
    },
    'cxprobe listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    exporter,
    server,
    address,
    metrics,
    tracing,
    stop: () =>
      (stopping ??= (async () => {
        ready = false;
        // Stop probing (sessions end, their spans with them), flush the traces, close HTTP.
        await exporter.stop();
        await tracing.shutdown();
        server.closeIdleConnections();
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        );
      })()),
  };
}

/**
 * SIGTERM/SIGINT exit by this deadline even if something still waits on a peer: sessions get
 * their close handshakes cut well before (SessionRunner's STOP_GRACE_MS), this is the backstop.
 */
export const SHUTDOWN_DEADLINE_MS = 4_500;

/** SIGHUP reloads; SIGTERM and SIGINT stop cleanly and exit 0 (within SHUTDOWN_DEADLINE_MS). */
export function handleSignals(
  running: { exporter?: Exporter; stop: () => Promise<void> },
  logger: Logger,
): void {
  process.on('SIGHUP', () => {
    if (running.exporter === undefined) return;
    logger.info('SIGHUP received, reloading config');
    void running.exporter.reload();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.warn(
          { deadline_seconds: SHUTDOWN_DEADLINE_MS / 1000 },
          'shutdown deadline passed; exiting with work still pending',
        );
        process.exit(0);
      }, SHUTDOWN_DEADLINE_MS).unref();
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exit(1);
        },
      );
    });
  }
}

/** Prints config problems the way check-config does, for startup failures. */
export function describeStartupError(error: unknown): string {
  if (error instanceof ConfigError) return `invalid configuration:\n${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
