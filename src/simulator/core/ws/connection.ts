import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import type { WsEndpointKey } from '../endpoint-keys.ts';
import type { SimulatorContext } from '../context.ts';
import type { WsHub } from './hub.ts';
import type { SessionTransport, WsSession } from './session.ts';

/** Largest message the simulated endpoints accept; far above any probe's needs. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A `ws` server for the simulator's own WebSocket endpoints. `autoPong` is off so RFC 6455
 * pings are answered by {@link openWsSession}, with the injected delay; the first offered
 * subprotocol is accepted (ws's default choice) unless `handleProtocols` says otherwise.
 */
export function createWsServer(
  options: Pick<ServerOptions, 'handleProtocols'> = {},
): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    autoPong: false,
    clientTracking: false,
    maxPayload: MAX_PAYLOAD_BYTES,
    ...options,
  });
}

/** A received message as one Buffer, whatever `binaryType` delivered. */
export function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(new Uint8Array(data));
}

/**
 * Registers an accepted `ws` connection with the hub: answers RFC 6455 pings after a
 * `pong_delay` draw (identical payload, recorded on the control layer) and counts the close.
 *
 * @param extra endpoint-specific parts of the session transport (maintenance notice, timers).
 */
export function openWsSession(
  ctx: SimulatorContext,
  hub: WsHub,
  key: WsEndpointKey,
  ws: WebSocket,
  extra: Partial<SessionTransport> = {},
): WsSession {
  const session = hub.open(key, {
    isOpen: () => ws.readyState === WebSocket.OPEN,
    // terminate() destroys the TCP socket without a close frame: the peer sees 1006.
    terminate: () => {
      ws.terminate();
    },
    close: (code, reason) => {
      ws.close(code, reason);
    },
    ...extra,
  });
  ws.on('ping', (payload) => {
    ctx.truth.wsCount(key, 'pings_received');
    hub.answer(session, {
      delay: ctx.faults.getWs(key).pong_delay,
      record: 'control',
      sent: 'pongs_sent',
      unanswered: 'pings_unanswered',
      send: () => {
        ws.pong(payload);
      },
    });
  });
  // ws reports an error and then closes; the close event does the counting.
  ws.on('error', (err) => {
    ctx.logger?.debug({ err, endpoint: key }, 'simulator WebSocket error');
  });
  ws.on('close', (code) => {
    hub.ended(session, code);
  });
  return session;
}
