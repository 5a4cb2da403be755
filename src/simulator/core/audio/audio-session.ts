import type { WebSocket } from 'ws';
import type { SimulatorContext } from '../context.ts';
import type { AudioEndpointKey } from '../endpoint-keys.ts';
import { openWsSession } from '../ws/connection.ts';
import type { WsHub } from '../ws/hub.ts';
import type { SessionTransport, WsSession } from '../ws/session.ts';
import { FrameSender } from './frame-sender.ts';

/** The hub session of one audio WebSocket (AudioHook, jambonz `listen`) and its frame sender. */
export interface AudioSession {
  readonly session: WsSession;
  /** Binary audio back to the client, through the frame faults; stopped when the session ends. */
  readonly sender: FrameSender;
  /** True when an unsolicited message may go out now: open, neither stalled nor half-open. */
  readonly canSend: () => boolean;
}

/**
 * Registers an accepted audio WebSocket with the hub (see `openWsSession`) and gives it a
 * {@link FrameSender} writing binary messages to `ws`.
 *
 * @param label the session name the frame records carry (may become known later).
 * @param transport the endpoint's protocol actions and timers; `dispose` runs after the sender
 *   stopped.
 */
export function openAudioSession(
  ctx: SimulatorContext,
  hub: WsHub,
  key: AudioEndpointKey,
  ws: WebSocket,
  label: () => string,
  transport: Pick<SessionTransport, 'protocolAction' | 'dispose'>,
): AudioSession {
  // Set right after the session opens; a session ending before that has nothing to stop.
  let sender: FrameSender | undefined = undefined;
  const session = openWsSession(ctx, hub, key, ws, {
    protocolAction: transport.protocolAction,
    dispose: () => {
      sender?.stop();
      transport.dispose?.();
    },
  });
  sender = new FrameSender(ctx, hub, session, key, label, (data) => {
    ws.send(data, { binary: true });
  });
  return {
    session,
    sender,
    canSend: () => session.transport.isOpen() && !hub.isStalled(session),
  };
}
