import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatorApp, type SimulatorAppOptions } from './app.ts';
import type { AudioFrameRecord } from './core/truth/audio-frame-log.ts';
import { SIMULATOR_DEFAULTS, type AudioEndpointKey, type WsEndpointKey } from './core/constants.ts';
import type { FaultState, FaultsPatch } from './core/faults/fault-store.ts';
import type { PongLayer } from './core/truth/pong-delay-store.ts';
import type { Truth } from './core/truth/truth-recorder.ts';
import type { WsAction, WsActionOptions } from './core/ws/hub.ts';

export { createSimulatorApp, type SimulatorApp, type SimulatorAppOptions } from './app.ts';
export {
  AUDIO_ENDPOINT_KEYS,
  DEFAULT_AUDIOHOOK_KEYS,
  DEFAULT_COGNIGY_URL_TOKEN,
  DEFAULT_SIMULATOR_CLIENTS,
  ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type AudioEndpointKey,
  type EndpointKey,
  type SimulatorClient,
  type WsEndpointKey,
} from './core/constants.ts';
export type { AudioFrameKind, AudioFrameRecord } from './core/truth/audio-frame-log.ts';
export {
  AUDIO_CONNECTOR_PATH,
  AUDIOHOOK_PATH,
  DEFAULT_BURST_MS,
  DEFAULT_SILENCE_MS,
  HANDSHAKE_FAILURE_DELAY_MS,
  MAX_TEXT_BYTES,
} from './platforms/audiohook/audiohook.ts';
export { LISTEN_MODES, LISTEN_PATH, LISTEN_SUBPROTOCOL, MAX_QUEUED_PLAYS } from './platforms/voicegateway-listen/voicegateway-listen.ts';
export { CXONE_USER_INPUT_TYPES } from './platforms/cxone/cxone-exchange.ts';
export type { BotConnectorDialect } from './platforms/genesys/genesys-bot-connector.ts';
export {
  DEFAULT_ENDPOINT_FAULT,
  FaultsValidationError,
  type EndpointFault,
  type EndpointFaultPatch,
  type FaultState,
  type FaultsPatch,
} from './core/faults/fault-store.ts';
export type { DelaySummary, EndpointTruth, InjectedFault, Truth } from './core/truth/truth-recorder.ts';
export { PONG_LAYERS, type PongLayer } from './core/truth/pong-delay-store.ts';
export {
  DEFAULT_ACTION_CLOSE_CODE,
  isSendableCloseCode,
  WS_ACTIONS,
  type WsAction,
  type WsActionOptions,
} from './core/ws/hub.ts';
export { PROTOCOL_ACTIONS, type ProtocolAction } from './core/ws/session.ts';
export {
  DEFAULT_WS_ENDPOINT_FAULT,
  REFUSE_STATUSES,
  type WsEndpointFault,
  type WsEndpointFaultPatch,
} from './core/faults/fault-shapes.ts';
export {
  SIGNATURE_FAILURES,
  type AudiohookTruth,
  type ListenTruth,
  type SignatureFailure,
  type WsDelaySummary,
  type WsEndpointTruth,
  type WsEndpointTruths,
  type WsInjectedFault,
} from './core/truth/truth-shape.ts';
export { WS_ECHO_PATH } from './platforms/websocket/websocket-echo.ts';
export type { WsOptions } from './ws-settings.ts';

/** Options of {@link startSimulator}. */
export interface SimulatorOptions extends SimulatorAppOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks an ephemeral port. @default 0 */
  port?: number;
}

/** A listening simulator. */
export interface RunningSimulator {
  /** Origin of every simulated platform, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Current full fault state (a copy). */
  faults(): FaultState;
  /**
   * Changes faults with the semantics of `PUT /-/sim/faults`.
   *
   * @throws {FaultsValidationError} when the patch is invalid; nothing changes then.
   */
  setFaults(patch: FaultsPatch): FaultState;
  /** Current ground truth (a deep copy, JSON-serialisable). */
  truth(): Truth;
  /** Zeroes the ground truth and forgets pong delays, like `POST /-/sim/reset-truth`. */
  resetTruth(): void;
  /**
   * Applies an action to open sessions of a WebSocket endpoint now, like
   * `POST /-/sim/ws/actions`: `drop` (TCP cut, the client sees 1006), `close_1011`, `close`
   * (a close frame with `options.code`, 1000 by default, see {@link isSendableCloseCode}),
   * `maintenance`, `stall` (stop answering, keep TCP) or `unstall`; on the audio endpoints also
   * the protocol actions `disconnect_error`, `disconnect_completed`, `error_429`, `skip_seq`,
   * `reconnect` (AudioHook) and `disconnect_error`, `kill_audio` (`listen`), see
   * {@link PROTOCOL_ACTIONS}.
   *
   * @param sessions at most this many sessions, oldest first. @default all open sessions
   * @returns the number of sessions affected.
   */
  wsAction(
    endpoint: WsEndpointKey,
    action: WsAction,
    sessions?: number,
    options?: WsActionOptions,
  ): number;
  /** Number of open sessions of a WebSocket endpoint. */
  sessions(endpoint: WsEndpointKey): number;
  /** Applied pong delays still kept (ms, oldest first), like `GET /-/sim/ws/pong-delays`. */
  pongDelays(endpoint: WsEndpointKey, layer: PongLayer): number[];
  /**
   * Ground truth of every audio frame sent back (or dropped) still kept, oldest first, like
   * `GET /-/sim/audio/frames`; only those of `session` (AudioHook session id, jambonz
   * `callSid`) when given. Times are on this process's `performance.now()` clock.
   */
  audioFrames(endpoint: AudioEndpointKey, session?: string): AudioFrameRecord[];
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
  const simulator = createSimulatorApp(options);
  const host = options.host ?? SIMULATOR_DEFAULTS.host;
  const server = createServer(simulator.app);
  simulator.attach(server);
  server.listen(options.port ?? SIMULATOR_DEFAULTS.port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    simulator.dispose();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  // IPv6 literals need brackets inside a URL.
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    faults: () => simulator.faults(),
    setFaults: (patch) => simulator.setFaults(patch),
    truth: () => simulator.truth(),
    resetTruth: () => {
      simulator.resetTruth();
    },
    wsAction: (endpoint, action, sessions, options) =>
      simulator.wsAction(endpoint, action, sessions, options),
    sessions: (endpoint) => simulator.sessions(endpoint),
    pongDelays: (endpoint, layer) => simulator.pongDelays(endpoint, layer),
    audioFrames: (endpoint, session) => simulator.audioFrames(endpoint, session),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        simulator.dispose();
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
