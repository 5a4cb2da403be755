import { AsyncLocalStorage } from 'node:async_hooks';

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

const storage = new AsyncLocalStorage<AttemptScope>();

/** Runs `open` with `scope` as the current attempt (seen across its awaits). */
export function runInAttempt<T>(scope: AttemptScope, open: () => Promise<T>): Promise<T> {
  return storage.run(scope, open);
}

/** Registers a resource with the attempt in progress, if any. */
export function adoptInAttempt(resource: AttemptResource): void {
  storage.getStore()?.adopt(resource);
}
