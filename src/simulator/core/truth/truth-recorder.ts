import { SIMULATOR_DEFAULTS } from '../defaults.ts';
import { type AudioEndpointKey, type EndpointKey, type WsEndpointKey } from '../endpoint-keys.ts';
import { AudioFrameLog, type AudioFrameRecord } from './audio-frame-log.ts';
import { emptySummary, emptyTruth, type TruthState } from './empty-truth.ts';
import { PongDelayStore, type PongLayer } from './pong-delay-store.ts';
import type {
  DelaySummary,
  InjectedFault,
  SignatureFailure,
  Truth,
  WsCounter,
  WsInjectedFault,
} from './truth-shape.ts';

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
    truth.frame_delay_ms ??= emptySummary();
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
    truth[field] ??= emptySummary();
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
    bump(this.#truth.endpoints[key].responses, status);
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
    bump(truth.rejected, reason);
  }

  delay(key: EndpointKey, ms: number): void {
    addDelay(this.#truth.endpoints[key].delay_ms, ms);
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

/** Adds one to `map[key]`. */
function bump(map: Record<string, number>, key: string | number): void {
  map[String(key)] = (map[String(key)] ?? 0) + 1;
}

/** Adds one value to a delay summary. */
function addDelay(summary: DelaySummary, ms: number): void {
  summary.min = summary.count === 0 ? ms : Math.min(summary.min, ms);
  summary.max = summary.count === 0 ? ms : Math.max(summary.max, ms);
  summary.count += 1;
  summary.sum += ms;
}
