import type { z } from 'zod';
import {
  ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type EndpointKey,
  type WsEndpointKey,
} from '../endpoint-keys.ts';
import {
  DEFAULT_ENDPOINT_FAULT,
  DEFAULT_WS_ENDPOINT_FAULT,
  faultsPatchSchema,
  type EndpointFault,
  type FaultState,
  type WsEndpointFault,
} from './fault-shapes.ts';

/** Thrown when a faults patch does not validate; `message` is `<path>: <reason>[; ...]`. */
export class FaultsValidationError extends Error {
  override readonly name = 'FaultsValidationError';
  /** Stable code, for callers that branch on the error kind. */
  readonly code = 'ERR_SIM_FAULTS_INVALID';
}

/**
 * Turns zod issues into `<path>: <reason>` strings. Unknown keys get the key appended to the
 * path, so the message names the offending field rather than its parent object.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = 'body'): string {
  return issues
    .flatMap((issue) => {
      const base = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        const section = base.length === 1 ? base[0] : undefined;
        const what =
          section === 'endpoints'
            ? `unknown endpoint (expected one of ${ENDPOINT_KEYS.join(', ')})`
            : section === 'ws_endpoints'
              ? `unknown endpoint (expected one of ${WS_ENDPOINT_KEYS.join(', ')})`
              : 'unknown field';
        return issue.keys.map((key) => `${[...base, key].join('.')}: ${what}`);
      }
      return [`${base.length > 0 ? base.join('.') : root}: ${issue.message}`];
    })
    .join('; ');
}

function freshState(): FaultState {
  const endpoints = {} as Record<EndpointKey, EndpointFault>;
  for (const key of ENDPOINT_KEYS) endpoints[key] = structuredClone(DEFAULT_ENDPOINT_FAULT);
  const wsEndpoints = {} as Record<WsEndpointKey, WsEndpointFault>;
  for (const key of WS_ENDPOINT_KEYS) wsEndpoints[key] = structuredClone(DEFAULT_WS_ENDPOINT_FAULT);
  return { endpoints, ws_endpoints: wsEndpoints };
}

/** Holds the current fault state; changes are validated and applied all-or-nothing. */
export class FaultStore {
  #state: FaultState = freshState();
  readonly #listeners = new Set<() => void>();

  /** Current fault of one endpoint. The object is replaced, never mutated, on every change. */
  get(key: EndpointKey): Readonly<EndpointFault> {
    return this.#state.endpoints[key];
  }

  /** Current fault of one WebSocket endpoint; replaced, never mutated, on every change. */
  getWs(key: WsEndpointKey): Readonly<WsEndpointFault> {
    return this.#state.ws_endpoints[key];
  }

  /**
   * Takes one pending handshake refusal of `key`, decrementing `refuse_handshakes.count`.
   *
   * @returns the status to refuse with, or undefined when no refusal is pending.
   */
  takeRefusal(key: WsEndpointKey): number | undefined {
    const fault = this.#state.ws_endpoints[key];
    const { status, count } = fault.refuse_handshakes;
    if (count <= 0) return undefined;
    // Replace rather than mutate, so objects handed out by get()/snapshot() stay as they were.
    this.#state = {
      ...this.#state,
      ws_endpoints: {
        ...this.#state.ws_endpoints,
        [key]: { ...fault, refuse_handshakes: { status, count: count - 1 } },
      },
    };
    return status;
  }

  /**
   * Takes the pending `skip_seq` fault of `key`, switching it off.
   *
   * @returns true when a seq number is to be skipped now.
   */
  takeSkipSeq(key: WsEndpointKey): boolean {
    const fault = this.#state.ws_endpoints[key];
    if (!fault.skip_seq) return false;
    this.#state = {
      ...this.#state,
      ws_endpoints: { ...this.#state.ws_endpoints, [key]: { ...fault, skip_seq: false } },
    };
    return true;
  }

  /**
   * Calls `listener` after every successful {@link apply}.
   *
   * @returns a function that removes the listener.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Deep copy of the full state. */
  snapshot(): FaultState {
    return structuredClone(this.#state);
  }

  /**
   * Validates `patch` (unknown input is fine) and merges it in.
   *
   * @returns the new full state (a copy).
   * @throws {FaultsValidationError} when the patch is invalid; the state is then unchanged.
   */
  apply(patch: unknown): FaultState {
    const parsed = faultsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new FaultsValidationError(formatIssues(parsed.error.issues));
    const next = parsed.data.reset === true ? freshState() : structuredClone(this.#state);
    for (const key of ENDPOINT_KEYS) {
      const change = parsed.data.endpoints?.[key];
      if (change === undefined) continue;
      const current = next.endpoints[key];
      const { latency, ...flat } = change;
      next.endpoints[key] = {
        ...current,
        ...stripUndefined(flat),
        latency: { ...current.latency, ...stripUndefined(latency ?? {}) },
      };
    }
    for (const key of WS_ENDPOINT_KEYS) {
      const change = parsed.data.ws_endpoints?.[key];
      if (change === undefined) continue;
      // Nested objects (latency, pong_delay, refuse_handshakes, frame_delay, error_429) are
      // merged field by field; plain values replace.
      const merged: Record<string, unknown> = { ...next.ws_endpoints[key] };
      for (const [field, value] of Object.entries(stripUndefined(change))) {
        const before = merged[field];
        merged[field] =
          isPlainObject(before) && isPlainObject(value)
            ? { ...before, ...stripUndefined(value) }
            : value;
      }
      next.ws_endpoints[key] = merged as WsEndpointFault;
    }
    this.#state = next;
    for (const listener of this.#listeners) listener();
    return this.snapshot();
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod keeps explicit `undefined`s of optional fields; they must not overwrite values. */
function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
