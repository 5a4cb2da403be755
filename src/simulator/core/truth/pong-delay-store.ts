import type { WsEndpointKey } from '../constants.ts';

/**
 * Where a pong was answered: `control` is an RFC 6455 pong frame; `application` is a
 * protocol-level answer (Genesys `pong`, an echoed message, a Cognigy `output`).
 */
export type PongLayer = 'control' | 'application';

/** Both layers, for validating the admin API's `layer` parameter. */
export const PONG_LAYERS: readonly PongLayer[] = ['control', 'application'];

/** The most recent values of one series, oldest overwritten first. */
class Ring {
  #values: number[] = [];
  #next = 0;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(value: number): void {
    if (this.#values.length < this.#capacity) {
      this.#values.push(value);
      return;
    }
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Values oldest first. */
  values(): number[] {
    return [...this.#values.slice(this.#next), ...this.#values.slice(0, this.#next)];
  }
}

/**
 * Every pong delay the simulator applied, per endpoint and layer, so a benchmark can compute
 * exact percentiles of the injected delay. Bounded: the oldest values go first.
 */
export class PongDelayStore {
  readonly #capacity: number;
  #rings = new Map<string, Ring>();

  /** @param capacity values kept per endpoint and layer. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records one applied delay in milliseconds. */
  record(key: WsEndpointKey, layer: PongLayer, ms: number): void {
    const id = `${key}/${layer}`;
    let ring = this.#rings.get(id);
    if (ring === undefined) {
      ring = new Ring(this.#capacity);
      this.#rings.set(id, ring);
    }
    ring.push(ms);
  }

  /** Recorded delays, oldest first (a copy). */
  values(key: WsEndpointKey, layer: PongLayer): number[] {
    return this.#rings.get(`${key}/${layer}`)?.values() ?? [];
  }

  /** Forgets every value. */
  clear(): void {
    this.#rings = new Map();
  }
}
