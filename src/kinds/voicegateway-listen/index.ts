import { createListenProtocol } from '../../probers/voicegateway-listen.ts';
import { sessionProber, type KindModule } from '../kind.ts';
import { voicegatewayListenTraits, type VoicegatewayListenTarget } from './schema.ts';

/** `kind: voicegateway-listen` — Cognigy Voice Gateway (jambonz) listen audio streams. */
export const voicegatewayListenKind: KindModule<VoicegatewayListenTarget> = {
  kind: 'voicegateway-listen',
  traits: voicegatewayListenTraits,
  create: (target, { deps }) => sessionProber(createListenProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
