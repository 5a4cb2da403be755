import type { Target } from '../../config/load.ts';
import { createWebSocketProtocol } from '../../probers/websocket.ts';
import { sessionProber, type KindModule } from '../kind.ts';

type WebSocketTarget = Extract<Target, { kind: 'websocket' }>;

/** `kind: websocket` — any WebSocket kept open, with pings and scripted steps. */
export const websocketKind: KindModule<WebSocketTarget> = {
  kind: 'websocket',
  traits: { mode: 'session', botTurns: false, audio: false },
  create: (target, { deps }) =>
    sessionProber(createWebSocketProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
