import { AudioFrameLog, type AudioFrameRecord } from './audio-frame-log.ts';
import {
  ENDPOINT_KEYS,
  OAUTH_ENDPOINT_KEYS,
  SIMULATOR_DEFAULTS,
  VALIDATING_ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type AudioEndpointKey,
  type EndpointKey,
  type WsEndpointKey,
} from '../constants.ts';
import { PongDelayStore, type PongLayer } from './pong-delay-store.ts';
import {
  addDelay,
  bump,
  emptyWsEndpoint,
  type SignatureFailure,
  type WsEndpointTruth,
  type WsEndpointTruths,
  type WsInjectedFault,
} from './truth-shape.ts';

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
  /**
   * Requests refused because they break the platform's contract, by stable reason (for example
   * `executionInfo.contactId: not an integer`); only on endpoints that validate requests.
   */
  rejected?: Record<string, number>;
}

/** Ground truth of the whole simulator (JSON-serialisable). */
export interface Truth {
  /** ISO time counting started: simulator start or the last reset. */
  started_at: string;
  endpoints: Record<EndpointKey, EndpointTruth>;
  /**
   * Persistent-connection endpoints, see {@link WsEndpointTruth}; the audio endpoints carry
   * all their fields ({@link WsEndpointTruths}).
   */
  ws_endpoints: WsEndpointTruths;
}

/** The recorder's own state: endpoint truths kept as the common type. */
interface TruthState extends Omit<Truth, 'ws_endpoints'> {
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
  if (VALIDATING_ENDPOINT_KEYS.includes(key)) truth.rejected = {};
  return truth;
}

function emptyTruth(previous?: TruthState): TruthState {
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
  #truth: TruthState = emptyTruth();
  readonly #pongDelays: PongDelayStore;
  readonly #audioFrames: AudioFrameLog;

  /**
   * @param pongDelayCapacity pong delays kept per WebSocket endpoint and layer.
   * @param audioFrameCapacity audio frame records kept per audio endpoint.
   */
  constructor(
    pongDelayCapacity: number = SIMULATOR_DEFAULTS.pongDelayCapacity,
    audioFrameCapacity: number = SIMULATOR_DEFAULTS.audioFrameCapacity,
  ) {
    this.#pongDelays = new PongDelayStore(pongDelayCapacity);
    this.#audioFrames = new AudioFrameLog(audioFrameCapacity);
  }

  /**
   * Zeroes every counter (not the open-session gauges), restarts `started_at`, forgets pong
   * delays and audio frame records.
   */
  reset(): void {
    this.#truth = emptyTruth(this.#truth);
    this.#pongDelays.clear();
    this.#audioFrames.clear();
  }

  /** Audio frames of one audio endpoint, oldest first (copies), optionally of one session. */
  audioFrames(key: AudioEndpointKey, session?: string): AudioFrameRecord[] {
    return this.#audioFrames.list(key, session);
  }

  /** Keeps one audio frame record; later changes to it (`sent_at_ms`) stay visible. */
  audioFrame(key: AudioEndpointKey, record: AudioFrameRecord): void {
    this.#audioFrames.add(key, record);
  }

  /** One drawn `frame_delay` of a frame not dropped. */
  frameDelay(key: AudioEndpointKey, ms: number): void {
    const truth = this.#truth.ws_endpoints[key];
    truth.frame_delay_ms ??= { count: 0, sum: 0, min: 0, max: 0 };
    addDelay(truth.frame_delay_ms, ms);
    if (ms > 0) this.wsCount(key, 'frames_delayed');
  }

  /** One jambonz gateway rejected by the `listen` endpoint for breaking the protocol. */
  listenRejected(reason: string): void {
    const truth = this.#truth.ws_endpoints.listen;
    truth.listen_rejections ??= {};
    bump(truth.listen_rejections, reason);
  }

  /** One AudioHook handshake refused by the signature check. */
  signatureFailure(reason: SignatureFailure): void {
    const truth = this.#truth.ws_endpoints.audiohook;
    truth.signature_failures ??= {
      missing_header: 0,
      bad_signature: 0,
      expired: 0,
      nonce: 0,
      unknown_key: 0,
    };
    truth.signature_failures[reason] += 1;
  }

  /** One AudioHook client message or frame rejected, by reason. */
  audiohookRejection(reason: string): void {
    const truth = this.#truth.ws_endpoints.audiohook;
    truth.rejections ??= {};
    bump(truth.rejections, reason);
  }

  /** One duration an AudioHook client reported in `discarded` or `resumed`, ms. */
  audiohookDiscarded(field: 'discarded_ms' | 'resumed_discarded_ms', ms: number): void {
    const truth = this.#truth.ws_endpoints.audiohook;
    truth[field] ??= { count: 0, sum: 0, min: 0, max: 0 };
    addDelay(truth[field], ms);
  }

  /** Applied pong delays of one WebSocket endpoint and layer, oldest first (a copy). */
  pongDelays(key: WsEndpointKey, layer: PongLayer): number[] {
    return this.#pongDelays.values(key, layer);
  }

  /** Deep copy of the current truth. */
  snapshot(): Truth {
    // emptyWsEndpoint gives each audio endpoint all of its fields.
    return structuredClone(this.#truth) as Truth;
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

  /** A request refused as non-conformant; `reason` must come from a fixed set (bounded). */
  rejected(key: EndpointKey, reason: string): void {
    const truth = this.#truth.endpoints[key];
    truth.rejected ??= {};
    truth.rejected[reason] = (truth.rejected[reason] ?? 0) + 1;
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

  /** A Genesys notifications REST call rejected for `reason`. */
  restRejected(key: WsEndpointKey, reason: string): void {
    const truth = this.#truth.ws_endpoints[key];
    truth.rest_rejections ??= {};
    bump(truth.rest_rejections, reason);
  }

  /** A handshake refused with `reason` (an HTTP status or `connect_error`). */
  wsRefused(key: WsEndpointKey, reason: string | number): void {
    bump(this.#truth.ws_endpoints[key].handshakes.refused, reason);
  }

  /** Cognigy: a `processInput` rejected, by reason (docs/protocols.md §5.2). */
  cognigyInputRejected(reason: string): void {
    const truth = this.#truth.ws_endpoints.cognigy_socket;
    truth.rejected_inputs ??= {};
    bump(truth.rejected_inputs, reason);
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
