/** Something a connect attempt opened that must not outlive a failed attempt (a socket). */
export interface AttemptResource {
  terminate: () => void;
}

/**
 * The resources one connect attempt opened. A protocol's `open` may fail after its socket is up
 * (a subscribe refused, an audio source that cannot be read): the runner then releases what the
 * attempt opened, so no failure path leaks a socket, whoever wrote the protocol.
 */
export class AttemptScope {
  private readonly resources = new Set<AttemptResource>();

  adopt(resource: AttemptResource): void {
    this.resources.add(resource);
  }

  /** The attempt failed: terminate everything it opened. */
  release(): void {
    for (const resource of this.resources) resource.terminate();
    this.resources.clear();
  }

  /** The attempt succeeded: its resources now belong to the session. */
  handOver(): void {
    this.resources.clear();
  }
}

const scopes = new WeakMap<AbortSignal, AttemptScope>();

/**
 * A signal of its own for one attempt (it follows `stop`), with `scope` registered under it:
 * protocols hand their context's signal to `connectWebSocket`, which finds the attempt by it.
 * (Not AsyncLocalStorage: its context tracking slows every promise of the audio sessions.)
 */
export function attemptSignal(stop: AbortSignal, scope: AttemptScope): AbortSignal {
  const signal = AbortSignal.any([stop]);
  scopes.set(signal, scope);
  return signal;
}

/** Registers a resource with the attempt `signal` belongs to, if any. */
export function adoptInAttempt(signal: AbortSignal, resource: AttemptResource): void {
  scopes.get(signal)?.adopt(resource);
}
