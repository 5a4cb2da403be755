import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from '../../src/cli/serve.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { sampleValue, parseExemplars } from '../support/exposition.ts';
import {
  listeningPorts,
  startOtlpReceiver,
  withEnv,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/tracing.ts';
import { ALL_KINDS, SECRETS, writeConfig } from '../support/all-kinds-config.ts';
import { eventually } from '../support/wait.ts';

const OPENMETRICS = { accept: 'application/openmetrics-text; version=1.0.0' };

describe('traces and exemplars with tracing on (OTLP/HTTP to a loopback receiver)', () => {
  let simulator: RunningSimulator;
  let receiver: OtlpReceiver;
  let exporter: RunningExporter;
  let base: string;
  let portsBefore: Set<number> | undefined;
  let portsDuring: Set<number> | undefined;
  let openMetrics = '';
  let prometheusText = '';
  let spans: ReceivedSpan[] = [];

  const spansNamed = (name: string) => spans.filter((span) => span.name === name);

  beforeAll(async () => {
    simulator = await startSimulator();
    receiver = await startOtlpReceiver();
    const configFile = await writeConfig(simulator.url);
    portsBefore = listeningPorts();
    exporter = await withEnv(
      {
        ...SECRETS,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // Would open a Prometheus endpoint on 9464 if the SDK were allowed metric readers.
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_LOGS_EXPORTER: 'otlp',
      },
      () =>
        startExporter({
          configFile,
          listenAddress: '127.0.0.1:0',
          logger: pino({ level: 'silent' }),
        }),
    );
    base = `http://127.0.0.1:${exporter.address.port}`;

    // A 1006 drop whose first reconnect is refused with 401: one reconnect episode, two attempts.
    await eventually(
      async () =>
        sampleValue(await (await fetch(`${base}/metrics`)).text(), 'cxprobe_ws_connected', {
          target: 'echo',
        }) === 1,
      10_000,
      'echo connected',
    );
    simulator.setFaults({
      ws_endpoints: { ws_echo: { refuse_handshakes: { status: 401, count: 1 } } },
    });
    expect(simulator.wsAction('ws_echo', 'drop')).toBe(1);

    /** Span names seen per kind, e.g. `audiohook:audio session:completed`. */
    const seen = () =>
      new Set(
        receiver
          .spans()
          .flatMap((span) => [
            String(span.attributes['cxprobe.kind']),
            `${String(span.attributes['cxprobe.kind'])}:${span.name}`,
            `${String(span.attributes['cxprobe.kind'])}:${span.name}:${String(span.attributes['cxprobe.reason'])}`,
          ]),
      );
    await eventually(
      () => {
        const names = seen();
        return Promise.resolve(
          [
            ...ALL_KINDS,
            'websocket:ws reconnect',
            'cognigy-socket:bot turn',
            'audiohook:audio session:completed',
            'voicegateway-listen:audio session:completed',
          ].every((name) => names.has(name)),
        );
      },
      15_000,
      'spans of every kind, a reconnect, a bot turn over a session and completed audio sessions',
    );
    await eventually(
      async () => {
        const text = await (await fetch(`${base}/metrics`, { headers: OPENMETRICS })).text();
        const metrics = new Set(parseExemplars(text).map((exemplar) => exemplar.metric));
        return [
          'cxprobe_http_request_duration_seconds',
          'cxprobe_bot_turn_duration_seconds',
          'cxprobe_ws_ping_rtt_seconds',
          'cxprobe_ws_connect_duration_seconds',
          'cxprobe_audio_interarrival_deviation_seconds',
        ].every((metric) => metrics.has(metric))
          ? text
          : undefined;
      },
      10_000,
      'exemplars on every traced histogram',
    );
    openMetrics = await (await fetch(`${base}/metrics`, { headers: OPENMETRICS })).text();
    prometheusText = await (await fetch(`${base}/metrics`)).text();
    portsDuring = listeningPorts();
    // Stopping flushes: every span an exemplar points at has ended by now and is exported.
    await exporter.stop();
    spans = receiver.spans();
  }, 60_000);

  afterAll(async () => {
    await exporter.stop();
    await receiver.close();
    await simulator.close();
  });

  it('is enabled and exports real OTLP/JSON requests with the cxprobe resource', () => {
    expect(exporter.tracing.enabled).toBe(true);
    expect(receiver.rejected).toBe(0);
    expect(receiver.payloads.length).toBeGreaterThan(0);
    const resource = spans[0]?.resource ?? {};
    expect(resource['service.name']).toBe('cxprobe');
    expect(resource['service.version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(ALL_KINDS)('exports spans for %s', (kind) => {
    const ofKind = spans.filter((span) => span.attributes['cxprobe.kind'] === kind);
    expect(ofKind.length).toBeGreaterThan(0);
    const names = new Set(ofKind.map((span) => span.name));
    const session = ['websocket', 'genesys-notifications', 'cognigy-socket'].includes(kind);
    const audio = kind === 'audiohook' || kind === 'voicegateway-listen';
    if (session || audio) expect(names).toContain('ws connect');
    else expect(names).toContain(`probe ${kind}`);
    if (audio) expect(names).toContain('audio session');
    if (
      ['cognigy-rest', 'genesys-bot-connector', 'cxone-exchange', 'cognigy-socket'].includes(kind)
    )
      expect(names).toContain('bot turn');
    for (const span of ofKind) expect(span.attributes['cxprobe.target']).toBeTypeOf('string');
  });

  it('describes HTTP probes with semantic-convention attributes and redacted URLs', () => {
    const health = spans.find(
      (span) => span.name === 'probe http' && span.attributes['cxprobe.reason'] === 'success',
    );
    expect(health?.attributes['http.request.method']).toBe('GET');
    expect(health?.attributes['http.response.status_code']).toBe(200);
    expect(health?.attributes['server.address']).toBe('127.0.0.1');
    expect(health?.attributes['server.port']).toBe(simulator.port);
    expect(health?.attributes['network.protocol.name']).toBe('http');
    expect(health?.attributes['url.full']).toBe(
      `http://127.0.0.1:${simulator.port}/api/v2/health/check?api_key=<redacted>&view=full`,
    );
    expect(health?.attributes['cxprobe.phase.total_seconds']).toBeGreaterThan(0);
    expect(health?.attributes['cxprobe.phase.first_byte_seconds']).toBeGreaterThanOrEqual(0);
    const cognigy = spans.find((span) => span.name === 'probe cognigy-rest');
    expect(cognigy?.attributes['url.full']).toBe(
      `http://127.0.0.1:${simulator.port}/cognigy/<redacted>`,
    );
  });

  it('puts each bot turn under its probe, with the turn time and the budget verdict', () => {
    const probes = new Map(spans.map((span) => [span.spanId, span]));
    const turns = spansNamed('bot turn').filter(
      (span) => span.attributes['cxprobe.kind'] === 'cxone-exchange',
    );
    expect(turns.length).toBeGreaterThan(0);
    for (const turn of turns) {
      expect(probes.get(turn.parentSpanId ?? '')?.name).toBe('probe cxone-exchange');
      expect(turn.attributes['cxprobe.bot.turn_seconds']).toBeGreaterThan(0);
      expect(turn.attributes['cxprobe.bot.over_budget']).toBeTypeOf('boolean');
    }
    const socketTurn = spansNamed('bot turn').find(
      (span) => span.attributes['cxprobe.kind'] === 'cognigy-socket',
    );
    // Turns over a session are traces of their own, linked to the session's connect.
    expect(socketTurn?.links.length).toBe(1);
    expect(socketTurn?.attributes['cxprobe.bot.first_response_seconds']).toBeGreaterThan(0);
  });

  it('traces a reconnect episode from the drop to the restored session', () => {
    const episode = spansNamed('ws reconnect').find(
      (span) => span.attributes['cxprobe.target'] === 'echo',
    );
    expect(episode?.attributes).toMatchObject({
      'cxprobe.ws.close_code': 1006,
      'cxprobe.ws.close_reason': 'abnormal_closure',
      'cxprobe.ws.abnormal': true,
      'cxprobe.reconnect.attempts': 2,
      'cxprobe.reconnect.restored': true,
    });
    expect(episode?.attributes['cxprobe.reconnect.backoff_seconds']).toBeTypeOf('number');
    const attempts = spans.filter(
      (span) => span.name === 'ws connect' && span.parentSpanId === episode?.spanId,
    );
    expect(attempts).toHaveLength(2);
    const refused = attempts.find((span) => span.attributes['cxprobe.reconnect.attempt'] === 1);
    expect(refused?.attributes['http.response.status_code']).toBe(401);
    expect(refused?.attributes['cxprobe.reason']).toBe('unauthorized');
    expect(refused?.status.code).toBe(2); // ERROR
    const restored = attempts.find((span) => span.attributes['cxprobe.reconnect.attempt'] === 2);
    expect(restored?.attributes['cxprobe.phase.protocol_open_seconds']).toBeGreaterThan(0);
    expect(restored?.attributes['url.full']).toBe(`ws://127.0.0.1:${simulator.port}/ws/echo`);
  });

  it('ends audio sessions with what they measured', () => {
    const sessions = spansNamed('audio session').filter(
      (span) => span.attributes['cxprobe.reason'] === 'completed',
    );
    const kinds = new Set(sessions.map((span) => span.attributes['cxprobe.kind']));
    expect(kinds).toEqual(new Set(['audiohook', 'voicegateway-listen']));
    for (const session of sessions) {
      expect(session.attributes['cxprobe.audio.frames_sent']).toBeGreaterThan(0);
      expect(session.attributes['cxprobe.audio.frames_received']).toBeTypeOf('number');
      expect(session.attributes['cxprobe.audio.frames_lost']).toBeTypeOf('number');
      expect(session.attributes['cxprobe.ws.close_code']).toBeTypeOf('number');
    }
    // The echo server returns every frame: jitter, loss and MOS are measured.
    const echo = sessions.find((span) => span.attributes['cxprobe.kind'] === 'audiohook');
    expect(echo?.attributes['cxprobe.audio.frames_received']).toBeGreaterThan(0);
    expect(echo?.attributes['cxprobe.audio.jitter_seconds']).toBeTypeOf('number');
    expect(echo?.attributes['cxprobe.audio.mos']).toBeGreaterThan(1);
    // The connect is a child of the session it opened.
    const connect = spans.find((span) => span.parentSpanId === echo?.spanId);
    expect(connect?.name).toBe('ws connect');
  });

  it('serves exemplars in OpenMetrics that point at exported spans', () => {
    const exemplars = parseExemplars(openMetrics);
    const traceIds = new Set(spans.map((span) => span.traceId));
    const spanIds = new Set(spans.map((span) => span.spanId));
    expect(exemplars.length).toBeGreaterThan(0);
    for (const exemplar of exemplars) {
      expect(exemplar.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceIds.has(exemplar.traceId), `${exemplar.metric} ${exemplar.traceId}`).toBe(true);
      expect(spanIds.has(exemplar.spanId), `${exemplar.metric} ${exemplar.spanId}`).toBe(true);
    }
    const metrics = new Set(exemplars.map((exemplar) => exemplar.metric));
    for (const metric of [
      'cxprobe_http_request_duration_seconds',
      'cxprobe_bot_turn_duration_seconds',
      'cxprobe_ws_ping_rtt_seconds',
      'cxprobe_ws_connect_duration_seconds',
      'cxprobe_audio_interarrival_deviation_seconds',
    ])
      expect(metrics).toContain(metric);
    // The Prometheus text format carries none.
    expect(prometheusText).not.toContain('trace_id');
    expect(prometheusText).not.toMatch(/ # \{/);
  });

  it('never exports a secret', () => {
    const everything = receiver.payloads.join('\n');
    for (const [name, secret] of Object.entries(SECRETS))
      expect(everything.includes(secret), `${name} leaked`).toBe(false);
    expect(everything).not.toMatch(/access_token=(?!<redacted>)/);
    expect(everything).not.toMatch(/Bearer|Basic /);
    expect(everything.toLowerCase()).not.toContain('signature');
    // No Genesys connectUri (ws://…/channels/<id>), nor any channel id.
    expect(everything).not.toContain('/channels/');
    expect(everything).not.toContain('prober:');
  });

  it('opens no port besides /metrics, even with OTEL_METRICS_EXPORTER=prometheus', () => {
    if (portsBefore === undefined || portsDuring === undefined) return; // no /proc here
    const added = [...portsDuring].filter((port) => !portsBefore?.has(port));
    expect(added).toEqual([exporter.address.port]);
    expect(portsDuring.has(9464)).toBe(false);
  });
});
