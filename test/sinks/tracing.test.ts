import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Target } from '../../src/config/load.ts';
import type { ProbeEvent } from '../../src/events/probe-event.ts';
import { createTargetTracing, type TargetTracing } from '../../src/sinks/tracing.ts';
import { startTracing, type Tracing } from '../../src/tracing/setup.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/tracing.ts';

async function target(kind: 'websocket' | 'audiohook'): Promise<Target> {
  const yaml =
    kind === 'websocket'
      ? 'targets: [{ name: ws, kind: websocket, url: "wss://ws.example.com/s" }]'
      : 'targets: [{ name: ah, kind: audiohook, url: "wss://ah.example.com/ws", api_key: k, client_secret: c2VjcmV0 }]';
  const config = await parseConfig(yaml, 'test.yml', {});
  const first = config.targets[0];
  if (first === undefined) throw new Error('no target');
  return first;
}

/**
 * Drives a target's tracing sink as the fan-out does, remembering for each event type the span
 * its observations were attributed to (their exemplar).
 */
function driver(tracing: TargetTracing) {
  const attributedTo: Partial<Record<ProbeEvent['type'], string | undefined>> = {};
  const emit = (event: ProbeEvent) => {
    attributedTo[event.type] = tracing.enter(event)?.spanContext().spanId;
    tracing.leave(event);
  };
  return { emit, attributedTo };
}

describe('session tracing', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  beforeEach(async () => {
    tracing = await startTracing({
      env: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      },
    });
    receiver.payloads.length = 0;
  });
  afterAll(async () => {
    await tracing.shutdown();
    await receiver.close();
  });

  it('ends an unfinished reconnect episode when the target stops', async () => {
    const { emit, attributedTo } = driver(
      createTargetTracing(await target('websocket'), { 'cxprobe.target': 'ws' }, { audio: false }),
    );
    emit({ type: 'attempt_started' });
    emit({ type: 'connected', phases: { tcp: 0.01, upgrade: 0.02, protocol_open: 0.03 } });
    emit({ type: 'ping', layer: 'control', rttSeconds: 0.005 });
    emit({
      type: 'closed',
      end: { code: 1011, reason: 'server_close', abnormal: true, message: 'x' },
      sessionSeconds: 5,
    });
    emit({ type: 'reconnecting', reason: 'server_close', delaySeconds: 0.5 });
    emit({ type: 'attempt_started' });
    emit({
      type: 'connect_failed',
      reason: 'connection_refused',
      httpStatus: undefined,
      message: 'ECONNREFUSED',
      attemptSeconds: 0.01,
    });
    emit({ type: 'reconnecting', reason: 'handshake_failed', delaySeconds: 1 });
    emit({ type: 'stopped' });
    await tracing.shutdown();

    const spans = receiver.spans();
    const [first, second] = spans.filter((span) => span.name === 'ws connect');
    // Pings belong to the session's connect span (their exemplars point at it).
    expect(attributedTo.ping).toBe(first?.spanId);
    expect(attributedTo.connected).toBe(first?.spanId);
    const episode = spans.find((span) => span.name === 'ws reconnect');
    expect(episode?.attributes).toMatchObject({
      'cxprobe.ws.close_code': 1011,
      'cxprobe.ws.close_reason': 'server_close',
      'cxprobe.ws.abnormal': true,
      'cxprobe.reconnect.attempts': 1,
      'cxprobe.reconnect.backoff_seconds': 0.5,
      'cxprobe.reconnect.backoff_total_seconds': 1.5,
      'cxprobe.reconnect.restored': false,
    });
    expect(episode?.links).toEqual([{ traceId: first?.traceId, spanId: first?.spanId }]);
    expect(second?.parentSpanId).toBe(episode?.spanId);
    expect(second?.attributes['cxprobe.reason']).toBe('connection_refused');
    expect(second?.status.code).toBe(2);
  });

  it('traces an audio session from connect to its abnormal end, with its measurements', async () => {
    const { emit, attributedTo } = driver(
      createTargetTracing(await target('audiohook'), {}, { audio: true }),
    );
    emit({ type: 'attempt_started' });
    emit({ type: 'violation', kind: 'unexpected_binary' });
    emit({ type: 'connected', phases: { protocol_open: 0.05 } });
    for (let frame = 0; frame < 3; frame++) {
      emit({ type: 'frame_sent', lateSeconds: 0.001 });
      emit({
        type: 'frame_received',
        deviationSeconds: frame === 0 ? undefined : 0.004,
        jitterSeconds: 0.002,
      });
    }
    emit({ type: 'loss', lost: 1, late: 2, gaps: 1, gapSeconds: 0.02 });
    emit({ type: 'turn_latency', seconds: 0.7 });
    emit({ type: 'quality', rFactor: 85, mos: 4.1 });
    emit({
      type: 'closed',
      end: { code: 1006, reason: 'abnormal_closure', abnormal: true, message: 'x' },
      sessionSeconds: 3,
    });
    emit({ type: 'stopped' });
    await tracing.shutdown();

    const spans = receiver.spans();
    const session = spans.find((span) => span.name === 'audio session');
    const connect = spans.find((span) => span.name === 'ws connect');
    expect(connect?.parentSpanId).toBe(session?.spanId);
    // Audio observations are attributed to the session span: their exemplars point at it.
    expect(attributedTo.frame_received).toBe(session?.spanId);
    expect(attributedTo.turn_latency).toBe(session?.spanId);
    expect(session?.status.code).toBe(2);
    expect(session?.attributes).toMatchObject({
      'cxprobe.audio.frames_sent': 3,
      'cxprobe.audio.frames_received': 3,
      'cxprobe.audio.frames_lost': 1,
      'cxprobe.audio.frames_late': 2,
      'cxprobe.audio.gaps': 1,
      'cxprobe.audio.jitter_seconds': 0.002,
      'cxprobe.audio.max_deviation_seconds': 0.004,
      'cxprobe.audio.turn_latency_seconds': 0.7,
      'cxprobe.audio.mos': 4.1,
      'cxprobe.audio.r_factor': 85,
      'cxprobe.audio.violations': 1,
      'cxprobe.ws.close_code': 1006,
      'cxprobe.reason': 'abnormal_closure',
    });
    expect(session?.events.map((event) => event.attributes['cxprobe.audio.violation'])).toEqual([
      'unexpected_binary',
    ]);
    expect(spans.filter((span) => span.name === 'ws reconnect')).toHaveLength(1);
  });
});
