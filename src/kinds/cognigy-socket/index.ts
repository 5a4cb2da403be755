import type { Target } from '../../config/load.ts';
import { createCognigySocketProtocol } from '../../probers/cognigy-socket.ts';
import { sessionProber, type KindModule } from '../kind.ts';

type CognigySocketTarget = Extract<Target, { kind: 'cognigy-socket' }>;

/** `kind: cognigy-socket` — a Cognigy Socket.IO endpoint session with bot turns over it. */
export const cognigySocketKind: KindModule<CognigySocketTarget> = {
  kind: 'cognigy-socket',
  traits: { mode: 'session', botTurns: true, audio: false },
  create: (target) => sessionProber(createCognigySocketProtocol(target), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'socket.io' }),
};
