import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { createRedactor, type Redactor } from './config/redact.ts';
import { configJsonSchema } from './config/json-schema.ts';
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from './log/logger.ts';
import { displayUrl, parseListenAddress } from './cli/listen-address.ts';
import { installLastResortGuard } from './cli/last-resort-guard.ts';
import { describeStartupError, handleSignals, startExporter } from './cli/serve.ts';
import { BUILD } from './version.ts';

interface LogFlags {
  'log.level': LogLevel;
  'log.format': LogFormat;
}

const program = new Command('cxprobe')
  .description(
    'Prometheus exporter that synthetically probes contact-center voice and bot integrations',
  )
  .version(BUILD.version, '--version')
  .showHelpAfterError();

const logOptions = (command: Command) =>
  command
    .addOption(
      new Option('--log.level <level>', 'only log messages at or above this level')
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .addOption(
      new Option('--log.format <format>', 'log line format')
        .choices(['logfmt', 'json'])
        .default('logfmt'),
    );

async function makeLogger(
  flags: LogFlags,
  redactor: () => Redactor = () => createRedactor([]),
): Promise<Logger> {
  return createLogger({ level: flags['log.level'], format: flags['log.format'], redactor });
}

/** From the first probe on, a bug reached by a peer's input is counted, not fatal. */
function guardProcess(
  running: {
    exporter?: import('./runtime/exporter.ts').Exporter;
    metrics?: import('./metrics/catalogue.ts').Metrics;
  },
  logger: Logger,
): void {
  installLastResortGuard({
    logger,
    count: (source) => running.metrics?.internalErrors.inc({ source }),
    redactor: () => running.exporter?.redactor() ?? createRedactor([]),
  });
}

logOptions(
  program
    .command('run', { isDefault: true })
    .description('run the exporter (default)')
    .option('--config.file <path>', 'configuration file', 'cxprobe.yml')
    .option(
      '--web.listen-address <address>',
      'address to serve /metrics and the landing page on',
      ':9830',
    ),
).action(async (flags: LogFlags & { 'config.file': string; 'web.listenAddress': string }) => {
  const running: {
    exporter?: import('./runtime/exporter.ts').Exporter;
    metrics?: import('./metrics/catalogue.ts').Metrics;
    stop: () => Promise<void>;
  } = {
    stop: async () => {},
  };
  const logger = await makeLogger(flags, () => running.exporter?.redactor() ?? createRedactor([]));
  guardProcess(running, logger);
  try {
    const started = await startExporter({
      configFile: flags['config.file'],
      listenAddress: flags['web.listenAddress'],
      logger,
    });
    running.exporter = started.exporter;
    running.metrics = started.metrics;
    running.stop = started.stop;
    handleSignals(running, logger);
  } catch (error) {
    console.error(`cxprobe: ${describeStartupError(error)}`);
    process.exit(1);
  }
});

logOptions(
  program
    .command('demo')
    .description('run the exporter and the simulator together with the bundled demo config')
    .option('--web.listen-address <address>', 'exporter address', ':9830')
    .option('--sim.listen-address <address>', 'simulator address', '127.0.0.1:9831')
    .option('--config.file <path>', 'use this config instead of the bundled demo config'),
).action(
  async (
    flags: LogFlags & {
      'web.listenAddress': string;
      'sim.listenAddress': string;
      'config.file'?: string;
    },
  ) => {
    const running: {
      exporter?: import('./runtime/exporter.ts').Exporter;
      metrics?: import('./metrics/catalogue.ts').Metrics;
      stop: () => Promise<void>;
    } = { stop: async () => {} };
    const logger = await makeLogger(
      flags,
      () => running.exporter?.redactor() ?? createRedactor([]),
    );
    guardProcess(running, logger);
    try {
      // Loaded only by the commands that run it: `cxprobe run` never pays for the simulator.
      const { demoBanner, startDemo } = await import('./cli/demo.ts');
      const demo = await startDemo({
        listenAddress: flags['web.listenAddress'],
        simListenAddress: flags['sim.listenAddress'],
        logger,
        ...(flags['config.file'] === undefined ? {} : { configFile: flags['config.file'] }),
      });
      running.exporter = demo.exporter.exporter;
      running.metrics = demo.exporter.metrics;
      running.stop = demo.stop;
      handleSignals(running, logger);
      const host = parseListenAddress(flags['web.listenAddress']).host;
      console.log(demoBanner(host, demo.exporter.address.port, demo.simulatorUrl));
    } catch (error) {
      console.error(`cxprobe demo: ${describeStartupError(error)}`);
      process.exit(1);
    }
  },
);

logOptions(
  program
    .command('simulate')
    .description(
      'run only the platform simulator (Genesys Cloud, Cognigy, CXone) with its admin API',
    )
    .option('--web.listen-address <address>', 'simulator address', '127.0.0.1:9831'),
).action(async (flags: LogFlags & { 'web.listenAddress': string }) => {
  const logger = await makeLogger(flags);
  try {
    const address = parseListenAddress(flags['web.listenAddress']);
    const { startSimulator } = await import('./simulator/index.ts');
    const simulator = await startSimulator({
      host: address.host ?? '0.0.0.0',
      port: address.port,
      logger,
    });
    logger.info({ url: simulator.url }, 'simulator listening');
    console.log(
      `cxprobe simulator on ${displayUrl(address.host, simulator.port)} (faults: /-/sim/faults, truth: /-/sim/truth)`,
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void simulator.close().then(() => process.exit(0));
      });
    }
  } catch (error) {
    console.error(`cxprobe simulate: ${describeStartupError(error)}`);
    process.exit(1);
  }
});

program
  .command('check-config')
  .description('validate a configuration file; exit 0 when valid, 1 with every error otherwise')
  .option('--config.file <path>', 'configuration file', 'cxprobe.yml')
  .action(async (flags: { 'config.file': string }) => {
    try {
      const config = await loadConfigFile(flags['config.file']);
      console.log(
        `${flags['config.file']}: valid (${config.targets.length} targets, ${Object.keys(config.credentials).length} credentials)`,
      );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(error.message);
      process.exit(1);
    }
  });

program
  .command('schema')
  .description('print the JSON Schema of the configuration file (for editor completion)')
  .option('--output <file>', 'write to this file instead of standard output')
  .action(async (flags: { output?: string }) => {
    const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    if (flags.output === undefined) process.stdout.write(text);
    else await writeFile(flags.output, text);
  });

await program.parseAsync(process.argv);
