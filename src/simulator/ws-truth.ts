import type { WsEndpointKey } from './constants.ts';

/** Faults counted in {@link WsEndpointTruth.injected}. */
export type WsInjectedFault = 'drop' | 'close_1011' | 'maintenance' | 'stall' | 'refused_handshake';

/** Summary of applied delays in milliseconds (0 values included). */
export interface WsDelaySummary {
  count: number;
  sum: number;
  /** 0 while `count` is 0. */
  min: number;
  /** 0 while `count` is 0. */
  max: number;
}

/**
 * Exact counters of one persistent-connection endpoint since start or the last reset.
 * `sessions_open` is a gauge: a reset keeps it.
 */
export interface WsEndpointTruth {
  handshakes: {
    /** Sessions the server accepted (WebSocket 101, or a Socket.IO connection). */
    accepted: number;
    /**
     * Refused handshakes by HTTP status (`"401"`, `"404"`, …); `connect_error` counts
     * Socket.IO connections rejected by the middleware (unknown URL token).
     */
    refused: Record<string, number>;
  };
  sessions_opened: number;
  sessions_open: number;
  /**
   * Ended sessions, once each. `server_closed` when the simulator decided the end, by the code
   * it used (`"1006"` for a drop); `client_closed` otherwise, by the close code the server saw
   * (WebSocket) or the Socket.IO disconnect reason (`cognigy_socket`).
   */
  closes: { client_closed: Record<string, number>; server_closed: Record<string, number> };
  /** Faults applied, each once, whether from an action or from a `*_every_ms` fault. */
  injected: Record<WsInjectedFault, number>;
  /** RFC 6455 pings received (Engine.IO v3 pings for `cognigy_socket`). */
  pings_received: number;
  pongs_sent: number;
  /** Pings left unanswered because the session was stalled or half-open. */
  pings_unanswered: number;
  /** Application pings: Genesys `{"message":"ping"}`, every message sent to `ws_echo`. */
  app_pings: number;
  /** Application pongs: Genesys `pong` frames, echoed messages. */
  app_pongs: number;
  app_pings_unanswered: number;
  /** Genesys heartbeats; Engine.IO v4 server pings for `cognigy_socket`. */
  heartbeats_sent: number;
  /** Applied pong delays by layer (see `GET /-/sim/ws/pong-delays` for every value). */
  pong_delay_ms: { control: WsDelaySummary; application: WsDelaySummary };
  /** Genesys: channels created over REST. */
  channels_created?: number;
  /** Genesys: channels removed because a client created more than the limit. */
  channels_evicted?: number;
  /** Genesys: channels removed because their TTL passed. */
  channels_expired?: number;
  /** Genesys: successful subscription changes (REST `PUT`/`POST`, socket `subscribe`). */
  subscriptions?: number;
  /** Genesys: messages answered `{"result":"400"}` (not JSON, unknown). */
  bad_messages?: number;
  /** Cognigy: `processInput` events received. */
  inputs?: number;
  /** Cognigy: `output` events sent, errors included. */
  outputs?: number;
}

function emptySummary(): WsDelaySummary {
  return { count: 0, sum: 0, min: 0, max: 0 };
}

/** Fresh counters of one WebSocket endpoint. */
export function emptyWsEndpoint(key: WsEndpointKey, sessionsOpen = 0): WsEndpointTruth {
  const truth: WsEndpointTruth = {
    handshakes: { accepted: 0, refused: {} },
    sessions_opened: 0,
    sessions_open: sessionsOpen,
    closes: { client_closed: {}, server_closed: {} },
    injected: { drop: 0, close_1011: 0, maintenance: 0, stall: 0, refused_handshake: 0 },
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
    });
  }
  if (key === 'cognigy_socket') Object.assign(truth, { inputs: 0, outputs: 0 });
  return truth;
}

/** Adds one to `map[key]`. */
export function bump(map: Record<string, number>, key: string | number): void {
  map[String(key)] = (map[String(key)] ?? 0) + 1;
}

/** Adds one value to a delay summary. */
export function addDelay(summary: WsDelaySummary, ms: number): void {
  summary.min = summary.count === 0 ? ms : Math.min(summary.min, ms);
  summary.max = summary.count === 0 ? ms : Math.max(summary.max, ms);
  summary.count += 1;
  summary.sum += ms;
}
