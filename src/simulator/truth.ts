import {
  ENDPOINT_KEYS,
  OAUTH_ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type EndpointKey,
  type WsEndpointKey,
} from './constants.ts';
import { PongDelayStore, type PongLayer } from './pong-delay-store.ts';
import {
  addDelay,
  bump,
  emptyWsEndpoint,
  type WsEndpointTruth,
  type WsInjectedFault,
} from './ws-truth.ts';

/** Kinds of injected fault, as counted in {@link EndpointTruth.injected}. */
export type InjectedFault = 'error' | 'rate_limit_storm' | 'slow' | 'malformed';

/** Summary of the delays the simulator scheduled, in milliseconds. */
export interface DelaySummary {
  count: number;
  sum: number;
  /** 0 while `count` is 0. */
  min: number;
  /** 0 while `count` is 0. */
  max: number;
}

/** Exact counters of one endpoint since start or the last reset. */
export interface EndpointTruth {
  /** Requests routed to the endpoint (counted on arrival). */
  requests: number;
  /** Answers written, by HTTP status (string keys, JSON-friendly). */
  responses: Record<string, number>;
  /** Faults injected, each counted once, when it is applied to a request. */
  injected: Record<InjectedFault, number>;
  /** 429s from the natural per-client limiter (Genesys API), not from storms. */
  rate_limited: number;
  /**
   * Total delay scheduled per answer (latency plus any slow extra); answers without a delay
   * are not counted. Values are the scheduled delays, not wall-clock measurements.
   */
  delay_ms: DelaySummary;
  /**
   * Requests whose client went away before the answer was written (for example a probe timing
   * out during a slow delay). `requests` = sum of `responses` + `aborted` + in flight.
   */
  aborted: number;
  /** Tokens issued; only on OAuth endpoints. */
  tokens_issued?: number;
}

/** Ground truth of the whole simulator (JSON-serialisable). */
export interface Truth {
  /** ISO time counting started: simulator start or the last reset. */
  started_at: string;
  endpoints: Record<EndpointKey, EndpointTruth>;
  /** Persistent-connection endpoints, see {@link WsEndpointTruth}. */
  ws_endpoints: Record<WsEndpointKey, WsEndpointTruth>;
}

/** Plain counters of {@link WsEndpointTruth}, for {@link TruthRecorder.wsCount}. */
export type WsCounter = {
  [K in keyof WsEndpointTruth]-?: NonNullable<WsEndpointTruth[K]> extends number ? K : never;
}[keyof WsEndpointTruth];

function emptyEndpoint(key: EndpointKey): EndpointTruth {
  const truth: EndpointTruth = {
    requests: 0,
    responses: {},
    injected: { error: 0, rate_limit_storm: 0, slow: 0, malformed: 0 },
    rate_limited: 0,
    delay_ms: { count: 0, sum: 0, min: 0, max: 0 },
    aborted: 0,
  };
  if (OAUTH_ENDPOINT_KEYS.includes(key)) truth.tokens_issued = 0;
  return truth;
}

function emptyTruth(previous?: Truth): Truth {
  const endpoints = {} as Record<EndpointKey, EndpointTruth>;
  for (const key of ENDPOINT_KEYS) endpoints[key] = emptyEndpoint(key);
  const wsEndpoints = {} as Record<WsEndpointKey, WsEndpointTruth>;
  for (const key of WS_ENDPOINT_KEYS) {
    // Sessions stay open across a reset; their later closes must not drive the gauge negative.
    wsEndpoints[key] = emptyWsEndpoint(key, previous?.ws_endpoints[key].sessions_open ?? 0);
  }
  return { started_at: new Date().toISOString(), endpoints, ws_endpoints: wsEndpoints };
}

/** Records the ground truth; every method updates counters synchronously. */
export class TruthRecorder {
  #truth: Truth = emptyTruth();
  readonly #pongDelays: PongDelayStore;

  /** @param pongDelayCapacity pong delays kept per WebSocket endpoint and layer. */
  constructor(pongDelayCapacity = 200_000) {
    this.#pongDelays = new PongDelayStore(pongDelayCapacity);
  }

  /** Zeroes every counter (not the open-session gauges), restarts `started_at`, forgets pong delays. */
  reset(): void {
    this.#truth = emptyTruth(this.#truth);
    this.#pongDelays.clear();
  }

  /** Applied pong delays of one WebSocket endpoint and layer, oldest first (a copy). */
  pongDelays(key: WsEndpointKey, layer: PongLayer): number[] {
    return this.#pongDelays.values(key, layer);
  }

  /** Deep copy of the current truth. */
  snapshot(): Truth {
    return structuredClone(this.#truth);
  }

  request(key: EndpointKey): void {
    this.#truth.endpoints[key].requests += 1;
  }

  response(key: EndpointKey, status: number): void {
    const responses = this.#truth.endpoints[key].responses;
    responses[String(status)] = (responses[String(status)] ?? 0) + 1;
  }

  injected(key: EndpointKey, fault: InjectedFault): void {
    this.#truth.endpoints[key].injected[fault] += 1;
  }

  rateLimited(key: EndpointKey): void {
    this.#truth.endpoints[key].rate_limited += 1;
  }

  aborted(key: EndpointKey): void {
    this.#truth.endpoints[key].aborted += 1;
  }

  tokenIssued(key: EndpointKey): void {
    const truth = this.#truth.endpoints[key];
    truth.tokens_issued = (truth.tokens_issued ?? 0) + 1;
  }

  delay(key: EndpointKey, ms: number): void {
    const summary = this.#truth.endpoints[key].delay_ms;
    summary.min = summary.count === 0 ? ms : Math.min(summary.min, ms);
    summary.max = summary.count === 0 ? ms : Math.max(summary.max, ms);
    summary.count += 1;
    summary.sum += ms;
  }

  /** Adds `by` to a plain counter of a WebSocket endpoint. */
  wsCount(key: WsEndpointKey, counter: WsCounter, by = 1): void {
    const truth = this.#truth.ws_endpoints[key];
    truth[counter] = (truth[counter] ?? 0) + by;
  }

  wsInjected(key: WsEndpointKey, fault: WsInjectedFault): void {
    this.#truth.ws_endpoints[key].injected[fault] += 1;
  }

  /** A handshake refused with `reason` (an HTTP status or `connect_error`). */
  wsRefused(key: WsEndpointKey, reason: string | number): void {
    bump(this.#truth.ws_endpoints[key].handshakes.refused, reason);
  }

  /** A handshake accepted: one more session open. */
  wsOpened(key: WsEndpointKey): void {
    const truth = this.#truth.ws_endpoints[key];
    truth.handshakes.accepted += 1;
    truth.sessions_opened += 1;
    truth.sessions_open += 1;
  }

  /** A session ended; `code` is a close code or a Socket.IO disconnect reason. */
  wsClosed(key: WsEndpointKey, by: 'client' | 'server', code: string | number): void {
    const truth = this.#truth.ws_endpoints[key];
    truth.sessions_open = Math.max(0, truth.sessions_open - 1);
    bump(by === 'server' ? truth.closes.server_closed : truth.closes.client_closed, code);
  }

  /** One applied pong delay; kept in the summary and in the per-value store. */
  pongDelay(key: WsEndpointKey, layer: PongLayer, ms: number): void {
    const truth = this.#truth.ws_endpoints[key];
    addDelay(truth.pong_delay_ms[layer], ms);
    this.#pongDelays.record(key, layer, ms);
  }
}
