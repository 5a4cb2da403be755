import type { Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { adminRouter } from './core/admin/admin-router.ts';
import { TokenStore } from './core/auth/token-store.ts';
import {
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  SIMULATOR_DEFAULTS,
  type SimulatorClient,
} from './core/defaults.ts';
import type { SimulatorContext } from './core/context.ts';
import { createControl, type SimulatorControl } from './core/control.ts';
import { DelayScheduler } from './core/delay-scheduler.ts';
import type { FaultsPatch } from './core/faults/fault-shapes.ts';
import { FaultStore } from './core/faults/fault-store.ts';
import { exchangeErrorHandler } from './core/http/exchange.ts';
import { RateLimiter } from './core/rate-limiter.ts';
import { TruthRecorder } from './core/truth/truth-recorder.ts';
import { cognigyRouter } from './platforms/cognigy/cognigy-rest.ts';
import { cxoneRouter } from './platforms/cxone/cxone-exchange.ts';
import {
  genesysBotConnectorRouter,
  resolveBotConnectorDialect,
  type BotConnectorDialect,
} from './platforms/genesys/genesys-bot-connector.ts';
import { genesysRouter } from './platforms/genesys/genesys-rest.ts';
import { createWsPlatforms } from './ws-platforms.ts';
import { resolveWsSettings, type WsOptions } from './ws-settings.ts';

/** Options of the simulated platforms (everything but where to listen). */
export interface SimulatorAppOptions extends WsOptions {
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
  /** How the simulated Bot Connector bot spells `botState` and its reply list. */
  botConnector?: BotConnectorDialect;
}

/** A simulator app not yet listening, for mounting into another express app. */
export interface SimulatorApp extends SimulatorControl {
  app: Express;
  /**
   * Serves the WebSocket endpoints (`/ws/echo`, `/channels/:id`, the AudioHook paths,
   * `/listen`) and the Cognigy Socket.IO endpoint on `server`, through its `upgrade` event.
   * `startSimulator` does this; call it when serving `app` from your own HTTP server.
   * Call once.
   */
  attach: (server: HttpServer) => void;
  /**
   * Cancels pending delayed answers, terminates every WebSocket and Socket.IO session and
   * clears every timer; the app answers nothing delayed afterwards.
   */
  dispose: () => void;
}

/**
 * Builds the express app serving every simulated platform and the admin API on one origin.
 *
 * @throws {RangeError} for a non-positive `tokenTtlSeconds` or `rateLimitPerMinute`, an
 *   invalid WebSocket option (see {@link WsOptions}) or an unknown `botConnector` spelling.
 * @throws {FaultsValidationError} when `faults` is invalid.
 */
export function createSimulatorApp(options: SimulatorAppOptions = {}): SimulatorApp {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? SIMULATOR_DEFAULTS.tokenTtlSeconds;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds <= 0) {
    throw new RangeError(`tokenTtlSeconds must be a positive integer, got ${tokenTtlSeconds}`);
  }
  const { pongDelayCapacity, audioFrameCapacity, ...wsSettings } = resolveWsSettings(options);
  const botConnectorDialect = resolveBotConnectorDialect(options.botConnector);
  const faults = new FaultStore();
  if (options.faults !== undefined) faults.apply(options.faults);
  const scheduler = new DelayScheduler();
  const ctx: SimulatorContext = {
    faults,
    truth: new TruthRecorder(pongDelayCapacity, audioFrameCapacity),
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

  const ws = createWsPlatforms(ctx, wsSettings);
  const control = createControl(ctx, ws.hub);

  const app = express();
  app.disable('x-powered-by');
  // No ETags: a conditional 304 would hide answers from the ground truth's point of view.
  app.set('etag', false);
  app.use(adminRouter(control, ctx.logger));
  app.use(genesysRouter(ctx));
  app.use(genesysBotConnectorRouter(ctx, botConnectorDialect));
  app.use(cognigyRouter(ctx));
  app.use(cxoneRouter(ctx));
  app.use(ws.router);
  app.use((req, res) => {
    res.status(404).json({ error: `no simulated endpoint at ${req.method} ${req.path}` });
  });
  app.use(exchangeErrorHandler(ctx));

  return {
    app,
    ...control,
    attach: (server) => {
      ws.attach(server);
    },
    dispose: () => {
      ws.dispose();
      scheduler.close();
    },
  };
}
