import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatorApp, type SimulatorAppOptions } from './app.ts';
import { SIMULATOR_DEFAULTS } from './core/defaults.ts';
import type { SimulatorControl } from './core/control.ts';

export { createSimulatorApp, type SimulatorApp, type SimulatorAppOptions } from './app.ts';
export type { SimulatorControl } from './core/control.ts';
export {
  DEFAULT_AUDIOHOOK_KEYS,
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  type SimulatorClient,
} from './core/defaults.ts';
export {
  AUDIO_ENDPOINT_KEYS,
  ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type AudioEndpointKey,
  type EndpointKey,
  type WsEndpointKey,
} from './core/endpoint-keys.ts';
export type { AudioFrameKind, AudioFrameRecord } from './core/truth/audio-frame-log.ts';
export { DEFAULT_BURST_MS, DEFAULT_SILENCE_MS } from './core/audio/audio-frames.ts';
export {
  AUDIO_CONNECTOR_PATH,
  AUDIOHOOK_PATH,
  HANDSHAKE_FAILURE_DELAY_MS,
  MAX_TEXT_BYTES,
} from './platforms/audiohook/audiohook.ts';
export { LISTEN_PATH } from './platforms/voicegateway-listen/voicegateway-listen.ts';
export { MAX_QUEUED_PLAYS } from './platforms/voicegateway-listen/session.ts';
export { LISTEN_MODES, LISTEN_SUBPROTOCOL } from './platforms/voicegateway-listen/setup.ts';
export { CXONE_USER_INPUT_TYPES } from './platforms/cxone/cxone-exchange.ts';
export type { BotConnectorDialect } from './platforms/genesys/genesys-bot-connector.ts';
export {
  DEFAULT_ENDPOINT_FAULT,
  DEFAULT_WS_ENDPOINT_FAULT,
  REFUSE_STATUSES,
  type EndpointFault,
  type EndpointFaultPatch,
  type FaultState,
  type FaultsPatch,
  type WsEndpointFault,
  type WsEndpointFaultPatch,
} from './core/faults/fault-shapes.ts';
export { FaultsValidationError } from './core/faults/fault-store.ts';
export {
  SIGNATURE_FAILURES,
  type AudiohookTruth,
  type DelaySummary,
  type EndpointTruth,
  type InjectedFault,
  type ListenTruth,
  type SignatureFailure,
  type Truth,
  type WsDelaySummary,
  type WsEndpointTruth,
  type WsEndpointTruths,
  type WsInjectedFault,
} from './core/truth/truth-shape.ts';
export { PONG_LAYERS, type PongLayer } from './core/truth/pong-delay-store.ts';
export {
  DEFAULT_ACTION_CLOSE_CODE,
  isSendableCloseCode,
  WS_ACTIONS,
  type WsAction,
  type WsActionOptions,
} from './core/ws/actions.ts';
export { PROTOCOL_ACTIONS, type ProtocolAction } from './core/ws/session.ts';
export { WS_ECHO_PATH } from './platforms/websocket/websocket-echo.ts';
export type { WsOptions } from './ws-settings.ts';

/** Options of {@link startSimulator}. */
export interface SimulatorOptions extends SimulatorAppOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks an ephemeral port. @default 0 */
  port?: number;
}

/** A listening simulator, controlled through {@link SimulatorControl}. */
export interface RunningSimulator extends SimulatorControl {
  /** Origin of every simulated platform, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /**
   * Stops listening, terminates every HTTP, WebSocket and Socket.IO connection and cancels
   * pending delayed answers and timers. Calling it again is harmless.
   */
  close(): Promise<void>;
}

/**
 * Starts the simulator: Genesys Cloud (REST, Notifications, AudioHook / Audio Connector),
 * Cognigy (REST, Socket.IO, Voice Gateway `listen`) and CXone endpoints plus the admin API under
 * `/-/sim`, all on one HTTP origin.
 *
 * @throws {RangeError} for invalid numeric options.
 * @throws {FaultsValidationError} when `options.faults` is invalid.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const { app, attach, dispose, ...control } = createSimulatorApp(options);
  const host = options.host ?? SIMULATOR_DEFAULTS.host;
  const server = createServer(app);
  attach(server);
  server.listen(options.port ?? SIMULATOR_DEFAULTS.port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    dispose();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  // IPv6 literals need brackets inside a URL.
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    ...control,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        dispose();
        server.close((err) => {
          if (err === undefined) resolve();
          else reject(err);
        });
        // Keep-alive and in-flight (delayed) connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
