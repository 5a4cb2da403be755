import { ENDPOINT_KEYS, OAUTH_ENDPOINT_KEYS, type EndpointKey } from './constants.ts';

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
}

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

function emptyTruth(): Truth {
  const endpoints = {} as Record<EndpointKey, EndpointTruth>;
  for (const key of ENDPOINT_KEYS) endpoints[key] = emptyEndpoint(key);
  return { started_at: new Date().toISOString(), endpoints };
}

/** Records the ground truth; every method updates counters synchronously. */
export class TruthRecorder {
  #truth: Truth = emptyTruth();

  /** Zeroes every counter and restarts `started_at`. */
  reset(): void {
    this.#truth = emptyTruth();
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
}
