import { createAudiohookProtocol } from '../../probers/audiohook.ts';
import { sessionProber, type KindModule } from '../kind.ts';
import { audiohookTraits, type AudiohookTarget } from './schema.ts';

/** `kind: audiohook` — Genesys AudioHook sessions streaming audio to the target. */
export const audiohookKind: KindModule<AudiohookTarget> = {
  kind: 'audiohook',
  traits: audiohookTraits,
  create: (target, { deps }) =>
    sessionProber(createAudiohookProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
