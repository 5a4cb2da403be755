import type { WsEndpointKey } from '../endpoint-keys.ts';
import { Ring } from './ring.ts';

/**
 * Where a pong was answered: `control` is an RFC 6455 pong frame; `application` is a
 * protocol-level answer (Genesys `pong`, an echoed message, a Cognigy `output`).
 */
export type PongLayer = 'control' | 'application';

/** Both layers, for validating the admin API's `layer` parameter. */
export const PONG_LAYERS: readonly PongLayer[] = ['control', 'application'];

/**
 * Every pong delay the simulator applied, per endpoint and layer, so a benchmark can compute
 * exact percentiles of the injected delay. Bounded: the oldest values go first.
 */
export class PongDelayStore {
  readonly #capacity: number;
  #rings = new Map<string, Ring<number>>();

  /** @param capacity values kept per endpoint and layer. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Records one applied delay in milliseconds. */
  record(key: WsEndpointKey, layer: PongLayer, ms: number): void {
    const id = `${key}/${layer}`;
    let ring = this.#rings.get(id);
    if (ring === undefined) {
      ring = new Ring<number>(this.#capacity);
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
