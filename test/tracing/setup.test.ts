import { isSpanContextValid } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startTracing,
  tracingActive,
  tracingEnabled,
  type Environment,
  type Tracing,
} from '../../src/tracing/setup.ts';
import { tracer } from '../../src/tracing/tracer.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/tracing.ts';
import { eventually } from '../support/wait.ts';

describe('tracingEnabled', () => {
  const endpoint = 'http://127.0.0.1:4318';
  it.each<[string, Environment, boolean]>([
    ['nothing set', {}, false],
    ['an empty exporter list', { OTEL_TRACES_EXPORTER: ' ' }, false],
    ['OTEL_TRACES_EXPORTER=otlp', { OTEL_TRACES_EXPORTER: 'otlp' }, true],
    ['OTEL_TRACES_EXPORTER=console', { OTEL_TRACES_EXPORTER: 'console' }, true],
    ['OTEL_TRACES_EXPORTER=none', { OTEL_TRACES_EXPORTER: 'none' }, false],
    ['"none" first wins', { OTEL_TRACES_EXPORTER: 'none,otlp' }, false],
    ['only "null"', { OTEL_TRACES_EXPORTER: 'null' }, false],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, true],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint }, true],
    [
      'an endpoint with OTEL_TRACES_EXPORTER=none',
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: 'none' },
      false,
    ],
    [
      'OTEL_SDK_DISABLED=true over everything',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_SDK_DISABLED: 'TRUE ',
      },
      false,
    ],
    [
      'OTEL_SDK_DISABLED=false',
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'false' },
      true,
    ],
    ['only metrics configured', { OTEL_METRICS_EXPORTER: 'prometheus' }, false],
  ])('%s → %s', (_name, env, expected) => {
    expect(tracingEnabled(env)).toBe(expected);
  });
});

describe('startTracing', () => {
  let receiver: OtlpReceiver;
  const started: Tracing[] = [];
  const start = async (env: Environment) => {
    const tracing = await startTracing({ env, serviceVersion: '9.8.7' });
    started.push(tracing);
    return tracing;
  };
  const jsonTo = (extra: Environment = {}): Environment => ({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    ...extra,
  });

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    for (const tracing of started.splice(0)) await tracing.shutdown();
    receiver.payloads.length = 0;
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('does nothing when not configured: no SDK, no-op spans', async () => {
    const tracing = await start({});
    expect(tracing.enabled).toBe(false);
    expect(tracingActive()).toBe(false);
    const span = tracer().startSpan('nothing');
    expect(isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    await tracing.shutdown();
  });

  it('exports spans with service.name cxprobe and the given version, from an explicit env', async () => {
    const before = { ...process.env };
    const tracing = await start(jsonTo());
    // The explicit environment was applied for the SDK only, then the process's restored.
    expect(process.env).toEqual(before);
    expect(tracing.enabled).toBe(true);
    expect(tracingActive()).toBe(true);
    tracer().startSpan('hello').end();
    await tracing.shutdown();
    expect(tracingActive()).toBe(false);
    const spans = receiver.spans();
    expect(spans.map((span) => span.name)).toEqual(['hello']);
    expect(spans[0]?.resource['service.name']).toBe('cxprobe');
    expect(spans[0]?.resource['service.version']).toBe('9.8.7');
    // After shutdown the API is back to no-ops.
    expect(isSpanContextValid(tracer().startSpan('after').spanContext())).toBe(false);
  });

  it('lets OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults', async () => {
    const tracing = await start(
      jsonTo({
        OTEL_SERVICE_NAME: 'cxprobe-eu',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
      }),
    );
    tracer().startSpan('named').end();
    await tracing.shutdown();
    const resource = receiver.spans()[0]?.resource ?? {};
    expect(resource['service.name']).toBe('cxprobe-eu');
    expect(resource['deployment.environment.name']).toBe('prod');
  });

  it('can start again after a shutdown (the API globals are released)', async () => {
    for (const name of ['first', 'second']) {
      const tracing = await start(jsonTo());
      tracer().startSpan(name).end();
      await tracing.shutdown();
    }
    expect(receiver.spans().map((span) => span.name)).toEqual(['first', 'second']);
  });

  it('shares one SDK between exporters in a process; the last shutdown ends it', async () => {
    const first = await start(jsonTo());
    const second = await start(jsonTo());
    await first.shutdown();
    await first.shutdown(); // idempotent: does not release the second user
    expect(tracingActive()).toBe(true);
    tracer().startSpan('shared').end();
    await second.shutdown();
    expect(tracingActive()).toBe(false);
    expect(receiver.spans().map((span) => span.name)).toEqual(['shared']);
  });

  it('batches and exports while running, not only at shutdown', async () => {
    const tracing = await start(jsonTo({ OTEL_BSP_SCHEDULE_DELAY: '50' }));
    tracer().startSpan('early').end();
    await eventually(() => Promise.resolve(receiver.spans().length === 1), 5_000, 'an export');
    await tracing.shutdown();
  });
});
