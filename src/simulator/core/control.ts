import type { AudioEndpointKey, WsEndpointKey } from './endpoint-keys.ts';
import type { SimulatorContext } from './context.ts';
import type { FaultState, FaultsPatch } from './faults/fault-shapes.ts';
import type { AudioFrameRecord } from './truth/audio-frame-log.ts';
import type { PongLayer } from './truth/pong-delay-store.ts';
import type { Truth } from './truth/truth-shape.ts';
import type { WsAction, WsActionOptions } from './ws/actions.ts';
import type { WsHub } from './ws/hub.ts';

/**
 * The control API of one simulator: what a test, a benchmark or the admin API under `/-/sim`
 * (core/admin/admin-router.ts) may ask of it. `createSimulatorApp` and `startSimulator`
 * both offer it.
 */
export interface SimulatorControl {
  /** Current full fault state (a copy). */
  faults(): FaultState;
  /**
   * Changes faults with the semantics of `PUT /-/sim/faults`.
   *
   * @throws {FaultsValidationError} when the patch is invalid; nothing changes then.
   */
  setFaults(patch: FaultsPatch): FaultState;
  /** Current ground truth (a deep copy, JSON-serialisable), like `GET /-/sim/truth`. */
  truth(): Truth;
  /**
   * Zeroes the ground truth and forgets pong delays and audio frame records, like
   * `POST /-/sim/reset-truth`.
   */
  resetTruth(): void;
  /**
   * Applies an action to open sessions of a WebSocket endpoint now, like
   * `POST /-/sim/ws/actions`: `drop` (TCP cut, the client sees 1006), `close_1011`, `close`
   * (a close frame with `options.code`, 1000 by default, see `isSendableCloseCode`),
   * `maintenance`, `stall` (stop answering, keep TCP) or `unstall`; on the audio endpoints also
   * the protocol actions `disconnect_error`, `disconnect_completed`, `error_429`, `skip_seq`,
   * `reconnect` (AudioHook) and `disconnect_error`, `kill_audio` (`listen`), see
   * `PROTOCOL_ACTIONS`.
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
}

/** The control API over one simulator's stores and session hub. */
export function createControl(ctx: SimulatorContext, hub: WsHub): SimulatorControl {
  return {
    faults: () => ctx.faults.snapshot(),
    setFaults: (patch) => ctx.faults.apply(patch),
    truth: () => ctx.truth.snapshot(),
    resetTruth: () => {
      ctx.truth.reset();
    },
    wsAction: (endpoint, action, sessions, options) => hub.act(endpoint, action, sessions, options),
    sessions: (endpoint) => hub.count(endpoint),
    pongDelays: (endpoint, layer) => ctx.truth.pongDelays(endpoint, layer),
    audioFrames: (endpoint, session) => ctx.truth.audioFrames(endpoint, session),
  };
}
