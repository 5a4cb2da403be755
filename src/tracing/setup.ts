import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  trace,
  type DiagLogger,
} from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { BUILD } from '../version.ts';

/** Where OTEL_* settings are read from. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface TracingOptions {
  /**
   * The environment holding the standard `OTEL_*` variables. Anything but `process.env` is
   * applied in place of the process's own `OTEL_*` variables while the SDK is built (the SDK
   * reads them at construction and start), which lets tests configure tracing without touching
   * the process environment.
   * @default process.env
   */
  env?: Environment;
  /** `service.version` of the resource. @default the version in package.json */
  serviceVersion?: string;
  /** Where the SDK's own diagnostics (export failures, bad settings) are logged. */
  logger?: Logger;
}

/** A started (or disabled) tracing set-up. */
export interface Tracing {
  /** True when spans are exported. */
  readonly enabled: boolean;
  /**
   * Exports the spans still buffered and shuts the SDK down (at most a few seconds, so a dead
   * collector cannot hold up a SIGTERM). Idempotent.
   */
  shutdown(): Promise<void>;
}

/** `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` says otherwise. */
export const DEFAULT_SERVICE_NAME = 'cxprobe';

/** The longest a shutdown waits for the last export. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

const DISABLED: Tracing = Object.freeze({
  enabled: false,
  shutdown: () => Promise.resolve(),
});

/** The SDK of this process: OTel's API globals allow one, shared by every exporter started. */
let active: { sdk: NodeSDK; users: number } | undefined;

/** True while an SDK is running in this process (spans are recorded and exported). */
export function tracingActive(): boolean {
  return active !== undefined;
}

/**
 * Whether the environment asks for traces. Off unless configured: `OTEL_TRACES_EXPORTER` names
 * an exporter other than `none`, or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. `OTEL_SDK_DISABLED=true` wins over everything.
 */
export function tracingEnabled(env: Environment): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  // The SDK ignores "null" entries and, when the list starts with "none", exports nothing.
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'null');
  if (exporters.length > 0) return exporters[0] !== 'none';
  return (
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim() !== '' ||
    (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '').trim() !== ''
  );
}

/**
 * Starts OpenTelemetry tracing when the environment configures it (see {@link tracingEnabled}),
 * else returns a disabled set-up and touches nothing.
 *
 * The exporter, its endpoint, protocol (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, default
 * `http/protobuf`; `http/json` for JSON), headers, sampler and batching all come from the
 * standard `OTEL_*` variables, as `NodeSDK` reads them. What it must never do is set up here:
 * no metric readers whatever `OTEL_METRICS_EXPORTER` says (`prometheus` there would open a
 * second metrics port, 9464; prom-client serves `/metrics`), no log export whatever
 * `OTEL_LOGS_EXPORTER` says, and no auto-instrumentation (cxprobe creates its own spans).
 */
export async function startTracing(options: TracingOptions = {}): Promise<Tracing> {
  const env = options.env ?? process.env;
  if (!tracingEnabled(env)) return DISABLED;
  // Loaded only when tracing is on: the SDK and its exporters would cost a process that never
  // traces some 30 MiB (BENCHMARKS.md).
  const [{ NodeSDK }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
  ]);
  // Checked after the import: two starts may have waited on it together.
  if (active !== undefined) {
    active.users++;
    return handle(active);
  }
  const sdk = withEnvironment(env, () => {
    const created = new NodeSDK({
      resource: defaultResource().merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME,
          [ATTR_SERVICE_VERSION]: options.serviceVersion ?? BUILD.version,
        }),
      ),
      // Resource detectors (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, host, process) are
      // merged over the resource above, so the environment wins over the defaults.
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
    });
    // After construction: NodeSDK installs a console logger of its own for OTEL_LOG_LEVEL.
    if (options.logger !== undefined) setDiagLogger(options.logger, env.OTEL_LOG_LEVEL);
    created.start();
    return created;
  });
  active = { sdk, users: 1 };
  options.logger?.info(
    {
      exporter: env.OTEL_TRACES_EXPORTER ?? 'otlp',
      protocol:
        env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
        env.OTEL_EXPORTER_OTLP_PROTOCOL ??
        'http/protobuf',
    },
    'tracing enabled',
  );
  return handle(active);
}

function handle(state: { sdk: NodeSDK; users: number }): Tracing {
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown: () =>
      (stopping ??= (async () => {
        state.users--;
        if (state.users > 0) return;
        if (active === state) active = undefined;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            state.sdk.shutdown(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
              timer.unref();
            }),
          ]);
        } catch (error) {
          diag.error('OpenTelemetry shutdown failed', error);
        } finally {
          clearTimeout(timer);
          // Unregister the globals, so a later start in this process (tests) registers afresh.
          trace.disable();
          context.disable();
          propagation.disable();
          diag.disable();
        }
      })()),
  };
}

/**
 * Runs `fn` with the process's OTEL_* variables replaced by those of `env` (when `env` is not
 * the process environment itself), and restores them afterwards. Synchronous on purpose: no
 * other code can run while the variables are swapped.
 */
function withEnvironment<T>(env: Environment, fn: () => T): T {
  if (env === process.env) return fn();
  const isOtel = (name: string) => name.startsWith('OTEL_');
  const saved = Object.entries(process.env).filter(([name]) => isOtel(name));
  const apply = (entries: [string, string | undefined][]) => {
    for (const name of Object.keys(process.env))
      if (isOtel(name)) Reflect.deleteProperty(process.env, name);
    for (const [name, value] of entries)
      if (isOtel(name) && value !== undefined) process.env[name] = value;
  };
  apply(Object.entries(env));
  try {
    return fn();
  } finally {
    apply(saved);
  }
}

const DIAG_LEVELS: Readonly<Record<string, DiagLogLevel>> = {
  NONE: DiagLogLevel.NONE,
  ERROR: DiagLogLevel.ERROR,
  WARN: DiagLogLevel.WARN,
  INFO: DiagLogLevel.INFO,
  DEBUG: DiagLogLevel.DEBUG,
  VERBOSE: DiagLogLevel.VERBOSE,
  ALL: DiagLogLevel.ALL,
};

/** Sends the SDK's diagnostics to our logger (default level: warnings and errors). */
function setDiagLogger(logger: Logger, level: string | undefined): void {
  const child = logger.child({ component: 'otel' });
  const write =
    (method: 'error' | 'warn' | 'info' | 'debug' | 'trace') =>
    (message: string, ...args: unknown[]) => {
      const detail = args.map((arg) => (arg instanceof Error ? arg.message : String(arg)));
      child[method](detail.length === 0 ? {} : { detail: detail.join(' ') }, message);
    };
  const diagLogger: DiagLogger = {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    verbose: write('trace'),
  };
  diag.setLogger(diagLogger, {
    logLevel: DIAG_LEVELS[(level ?? '').trim().toUpperCase()] ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
}
