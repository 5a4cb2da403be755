import {
  ENDPOINT_KEYS,
  OAUTH_ENDPOINT_KEYS,
  VALIDATING_ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type EndpointKey,
  type WsEndpointKey,
} from '../endpoint-keys.ts';
import {
  SIGNATURE_FAILURES,
  type DelaySummary,
  type EndpointTruth,
  type Truth,
  type WsEndpointTruth,
} from './truth-shape.ts';

/** The recorder's own state: endpoint truths kept as the common type. */
export interface TruthState extends Omit<Truth, 'ws_endpoints'> {
  ws_endpoints: Record<WsEndpointKey, WsEndpointTruth>;
}

/** A delay summary with nothing in it. */
export function emptySummary(): DelaySummary {
  return { count: 0, sum: 0, min: 0, max: 0 };
}

/** Fresh counters of one WebSocket endpoint. */
export function emptyWsEndpoint(key: WsEndpointKey, sessionsOpen = 0): WsEndpointTruth {
  const truth: WsEndpointTruth = {
    handshakes: { accepted: 0, refused: {} },
    sessions_opened: 0,
    sessions_open: sessionsOpen,
    closes: { client_closed: {}, server_closed: {} },
    injected: {
      drop: 0,
      close_1011: 0,
      maintenance: 0,
      stall: 0,
      refused_handshake: 0,
      disconnect_error: 0,
      error_429: 0,
      skip_seq: 0,
      reconnect: 0,
      kill_audio: 0,
      close: 0,
      disconnect_completed: 0,
    },
    pings_received: 0,
    pongs_sent: 0,
    pings_unanswered: 0,
    app_pings: 0,
    app_pongs: 0,
    app_pings_unanswered: 0,
    heartbeats_sent: 0,
    pong_delay_ms: { control: emptySummary(), application: emptySummary() },
  };
  if (key === 'genesys_notifications') {
    Object.assign(truth, {
      channels_created: 0,
      channels_evicted: 0,
      channels_expired: 0,
      subscriptions: 0,
      bad_messages: 0,
      channels_token_expired: 0,
      rest_rejections: {},
    });
  }
  if (key === 'cognigy_socket') {
    Object.assign(truth, {
      inputs: 0,
      outputs: 0,
      rejected_inputs: {},
      acks_received: 0,
      acks_missing: 0,
      inner_handshakes: 0,
    });
  }
  if (key === 'audiohook' || key === 'listen') {
    Object.assign(truth, {
      streams_opened: 0,
      frames_received: 0,
      early_audio: 0,
      frames_sent: 0,
      frames_dropped: 0,
      frame_loss_bursts: 0,
      frames_delayed: 0,
      frames_unsent: 0,
      frame_delay_ms: emptySummary(),
      bot_turns: 0,
      bad_messages: 0,
    });
  }
  if (key === 'audiohook') {
    Object.assign(truth, {
      signature_failures: Object.fromEntries(SIGNATURE_FAILURES.map((reason) => [reason, 0])),
      connection_probes: 0,
      close_transactions: 0,
      seq_violations: 0,
      events_sent: 0,
      disconnects_sent: 0,
      unauthorized_opens: 0,
      oversize_messages: 0,
      paused: 0,
      resumed: 0,
      discarded: 0,
      updates: 0,
      client_errors: 0,
      rejections: {},
      pauses_sent: 0,
      resumes_sent: 0,
      reconnects_sent: 0,
      opens_unanswered: 0,
      closes_unanswered: 0,
      discarded_ms: emptySummary(),
      resumed_discarded_ms: emptySummary(),
    });
  }
  if (key === 'listen') {
    Object.assign(truth, {
      play_audio_sent: 0,
      play_done_received: 0,
      play_audio_skipped: 0,
      marks_played: 0,
      marks_cleared: 0,
      kill_audio_received: 0,
      kill_audio_sent: 0,
      client_disconnects: 0,
      marks_sent: 0,
      clear_marks_sent: 0,
      listen_rejections: {},
    });
  }
  return truth;
}

function emptyEndpoint(key: EndpointKey): EndpointTruth {
  const truth: EndpointTruth = {
    requests: 0,
    responses: {},
    injected: { error: 0, rate_limit_storm: 0, slow: 0, malformed: 0 },
    rate_limited: 0,
    delay_ms: emptySummary(),
    aborted: 0,
  };
  if (OAUTH_ENDPOINT_KEYS.includes(key)) truth.tokens_issued = 0;
  if (VALIDATING_ENDPOINT_KEYS.includes(key)) truth.rejected = {};
  return truth;
}

/** Fresh counters of every endpoint; open-session gauges carry over from `previous`. */
export function emptyTruth(previous?: TruthState): TruthState {
  const endpoints = {} as Record<EndpointKey, EndpointTruth>;
  for (const key of ENDPOINT_KEYS) endpoints[key] = emptyEndpoint(key);
  const wsEndpoints = {} as Record<WsEndpointKey, WsEndpointTruth>;
  for (const key of WS_ENDPOINT_KEYS) {
    // Sessions stay open across a reset; their later closes must not drive the gauge negative.
    wsEndpoints[key] = emptyWsEndpoint(key, previous?.ws_endpoints[key].sessions_open ?? 0);
  }
  return { started_at: new Date().toISOString(), endpoints, ws_endpoints: wsEndpoints };
}
