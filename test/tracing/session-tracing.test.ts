import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Target } from '../../src/config/load.ts';
import type { AudioEvents, SessionEvents } from '../../src/probers/session/types.ts';
import { traceSession } from '../../src/tracing/session-tracing.ts';
import { startTracing, type Tracing } from '../../src/tracing/setup.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/tracing.ts';
import { sessionEvents, audioEvents } from '../support/session-events.ts';

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

/** Inner events that remember which span was active when each was called. */
function recording(): {
  events: SessionEvents;
  audio: AudioEvents;
  activeIn: Record<string, string | undefined>;
} {
  const activeIn: Record<string, string | undefined> = {};
  const note = (name: string) => {
    activeIn[name] = trace.getActiveSpan()?.spanContext().spanId;
  };
  return { activeIn, events: sessionEvents(note), audio: audioEvents(note) };
}

describe('session tracing', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  beforeEach(() => {
    tracing = startTracing({
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

  it('passes events through untouched when tracing is off', async () => {
    await tracing.shutdown();
    const inner = recording();
    const traced = traceSession(await target('websocket'), {}, inner);
    expect(traced.events).toBe(inner.events);
    expect(traced.audio).toBe(inner.audio);
    expect(traced.lifecycle).toBeUndefined();
  });

  it('ends an unfinished reconnect episode when the target stops', async () => {
    const inner = recording();
    const { events, lifecycle } = traceSession(
      await target('websocket'),
      { 'cxprobe.target': 'ws' },
      inner,
    );
    lifecycle?.attemptStarting();
    events.connected({ tcp: 0.01, upgrade: 0.02, protocol_open: 0.03 });
    events.ping('control', 0.005);
    events.closed({ code: 1011, reason: 'server_close', abnormal: true, message: 'x' }, 5);
    events.reconnecting('server_close', 0.5);
    lifecycle?.attemptStarting();
    events.connectFailed('connection_refused', undefined, 'ECONNREFUSED');
    events.reconnecting('handshake_failed', 1);
    lifecycle?.stopped();
    await tracing.shutdown();

    const spans = receiver.spans();
    const [first, second] = spans.filter((span) => span.name === 'ws connect');
    // Pings belong to the session's connect span (their exemplars point at it).
    expect(inner.activeIn.ping).toBe(first?.spanId);
    expect(inner.activeIn.connected).toBe(first?.spanId);
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
    const inner = recording();
    const { events, audio, lifecycle } = traceSession(await target('audiohook'), {}, inner);
    lifecycle?.attemptStarting();
    audio.violation('unexpected_binary');
    events.connected({ protocol_open: 0.05 });
    for (let frame = 0; frame < 3; frame++) {
      audio.frameSent(0.001);
      audio.frameReceived(frame === 0 ? undefined : 0.004, 0.002);
    }
    audio.loss({ lost: 1, late: 2, gaps: 1, gapSeconds: 0.02 });
    audio.turnLatency(0.7);
    audio.quality(85, 4.1);
    events.closed({ code: 1006, reason: 'abnormal_closure', abnormal: true, message: 'x' }, 3);
    lifecycle?.stopped();
    await tracing.shutdown();

    const spans = receiver.spans();
    const session = spans.find((span) => span.name === 'audio session');
    const connect = spans.find((span) => span.name === 'ws connect');
    expect(connect?.parentSpanId).toBe(session?.spanId);
    // Audio observations are made inside the session span: their exemplars point at it.
    expect(inner.activeIn.frameReceived).toBe(session?.spanId);
    expect(inner.activeIn.turnLatency).toBe(session?.spanId);
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
