import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { adminRouter } from './admin.ts';
import { cognigyRouter } from './cognigy.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  SIMULATOR_DEFAULTS,
  type SimulatorClient,
} from './constants.ts';
import type { SimulatorContext } from './context.ts';
import { cxoneRouter } from './cxone.ts';
import { DelayScheduler } from './delay-scheduler.ts';
import { exchangeErrorHandler } from './exchange.ts';
import { FaultStore, type FaultState, type FaultsPatch } from './faults.ts';
import { genesysBotConnectorRouter } from './genesys-bot-connector.ts';
import { genesysRouter } from './genesys.ts';
import { RateLimiter } from './rate-limiter.ts';
import { TokenStore } from './token-store.ts';
import { TruthRecorder, type Truth } from './truth.ts';

/** Options of the simulated platforms (everything but where to listen). */
export interface SimulatorAppOptions {
  /** OAuth clients accepted. @default DEFAULT_SIMULATOR_CLIENTS */
  clients?: readonly SimulatorClient[];
  /** Accepted Cognigy URL tokens. @default [DEFAULT_COGNIGY_URL_TOKEN] */
  cognigyUrlTokens?: readonly string[];
  /** `expires_in` of issued tokens, seconds. @default 86400 */
  tokenTtlSeconds?: number;
  /** Genesys per-client API limit, requests per minute. @default 300 */
  rateLimitPerMinute?: number;
  /** Initial faults, same shape as `PUT /-/sim/faults`. */
  faults?: FaultsPatch;
  /** Logs each injected fault at debug level. */
  logger?: Logger;
}

/** A simulator app not yet listening, for mounting into another express app. */
export interface SimulatorApp {
  app: Express;
  /** Current full fault state (a copy). */
  faults(): FaultState;
  /**
   * Changes faults with the semantics of `PUT /-/sim/faults`.
   *
   * @throws {FaultsValidationError} when the patch is invalid; nothing changes then.
   */
  setFaults(patch: FaultsPatch): FaultState;
  /** Current ground truth (a deep copy). */
  truth(): Truth;
  /** Cancels pending delayed answers; the app answers nothing delayed afterwards. */
  dispose(): void;
}

/**
 * Builds the express app serving every simulated platform and the admin API on one origin.
 *
 * @throws {RangeError} for a non-positive `tokenTtlSeconds` or `rateLimitPerMinute`.
 * @throws {FaultsValidationError} when `faults` is invalid.
 */
export function createSimulatorApp(options: SimulatorAppOptions = {}): SimulatorApp {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? SIMULATOR_DEFAULTS.tokenTtlSeconds;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds <= 0) {
    throw new RangeError(`tokenTtlSeconds must be a positive integer, got ${tokenTtlSeconds}`);
  }
  const faults = new FaultStore();
  if (options.faults !== undefined) faults.apply(options.faults);
  const scheduler = new DelayScheduler();
  const ctx: SimulatorContext = {
    faults,
    truth: new TruthRecorder(),
    scheduler,
    tokens: new TokenStore(),
    rateLimiter: new RateLimiter(
      options.rateLimitPerMinute ?? SIMULATOR_DEFAULTS.rateLimitPerMinute,
    ),
    // Copies, so callers mutating their arrays later cannot change a running simulator.
    clients: (options.clients ?? DEFAULT_SIMULATOR_CLIENTS).map((client) => ({ ...client })),
    cognigyUrlTokens: new Set(options.cognigyUrlTokens ?? [DEFAULT_COGNIGY_URL_TOKEN]),
    tokenTtlSeconds,
    logger: options.logger,
    random: Math.random,
  };

  const app = express();
  app.disable('x-powered-by');
  // No ETags: a conditional 304 would hide answers from the ground truth's point of view.
  app.set('etag', false);
  app.use(adminRouter(ctx));
  app.use(genesysRouter(ctx));
  app.use(genesysBotConnectorRouter(ctx));
  app.use(cognigyRouter(ctx));
  app.use(cxoneRouter(ctx));
  app.use((req, res) => {
    res.status(404).json({ error: `no simulated endpoint at ${req.method} ${req.path}` });
  });
  app.use(exchangeErrorHandler(ctx));

  return {
    app,
    faults: () => faults.snapshot(),
    setFaults: (patch) => faults.apply(patch),
    truth: () => ctx.truth.snapshot(),
    dispose: () => {
      scheduler.close();
    },
  };
}
