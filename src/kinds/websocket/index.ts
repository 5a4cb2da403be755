import { createWebSocketProtocol } from '../../probers/websocket.ts';
import { sessionProber, type KindModule } from '../kind.ts';
import { websocketTraits, type WebSocketTarget } from './schema.ts';

/** `kind: websocket` — any WebSocket kept open, with pings and scripted steps. */
export const websocketKind: KindModule<WebSocketTarget> = {
  kind: 'websocket',
  traits: websocketTraits,
  create: (target, { deps }) =>
    sessionProber(createWebSocketProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
