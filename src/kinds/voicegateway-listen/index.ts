import type { Target } from '../../config/load.ts';
import { createListenProtocol } from '../../probers/voicegateway-listen.ts';
import { sessionProber, type KindModule } from '../kind.ts';

type ListenTarget = Extract<Target, { kind: 'voicegateway-listen' }>;

/** `kind: voicegateway-listen` — Cognigy Voice Gateway (jambonz) listen audio streams. */
export const voicegatewayListenKind: KindModule<ListenTarget> = {
  kind: 'voicegateway-listen',
  traits: { mode: 'session', botTurns: false, audio: true },
  create: (target, { deps }) => sessionProber(createListenProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
