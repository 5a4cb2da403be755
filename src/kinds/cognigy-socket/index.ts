import { createCognigySocketProtocol } from '../../probers/cognigy-socket.ts';
import { sessionProber, type KindModule } from '../kind.ts';
import { cognigySocketTraits, type CognigySocketTarget } from './schema.ts';

/** `kind: cognigy-socket` — a Cognigy Socket.IO endpoint session with bot turns over it. */
export const cognigySocketKind: KindModule<CognigySocketTarget> = {
  kind: 'cognigy-socket',
  traits: cognigySocketTraits,
  create: (target, { deps }) =>
    sessionProber(createCognigySocketProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'socket.io' }),
};
