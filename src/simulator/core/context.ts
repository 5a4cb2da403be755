import type { Logger } from 'pino';
import type { SimulatorClient } from './defaults.ts';
import type { DelayScheduler } from './delay-scheduler.ts';
import type { FaultStore } from './faults/fault-store.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { TokenStore } from './auth/token-store.ts';
import type { TruthRecorder } from './truth/truth-recorder.ts';

/** State and settings shared by every route of one simulator instance. */
export interface SimulatorContext {
  readonly faults: FaultStore;
  readonly truth: TruthRecorder;
  readonly scheduler: DelayScheduler;
  readonly tokens: TokenStore;
  /** Natural Genesys API limiter, keyed by OAuth client id. */
  readonly rateLimiter: RateLimiter;
  readonly clients: readonly SimulatorClient[];
  readonly cognigyUrlTokens: ReadonlySet<string>;
  /** `expires_in` of issued tokens, seconds. */
  readonly tokenTtlSeconds: number;
  readonly logger: Logger | undefined;
  /** Uniform [0, 1); a seam for deterministic tests of the fault rolls. */
  readonly random: () => number;
}
