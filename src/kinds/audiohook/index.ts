import type { Target } from '../../config/load.ts';
import { createAudiohookProtocol } from '../../probers/audiohook.ts';
import { sessionProber, type KindModule } from '../kind.ts';

type AudiohookTarget = Extract<Target, { kind: 'audiohook' }>;

/** `kind: audiohook` — Genesys AudioHook sessions streaming audio to the target. */
export const audiohookKind: KindModule<AudiohookTarget> = {
  kind: 'audiohook',
  traits: { mode: 'session', botTurns: false, audio: true },
  create: (target, { deps }) =>
    sessionProber(createAudiohookProtocol(target, deps), target.reconnect),
  endpoint: (target) => ({ url: target.url, protocol: 'websocket' }),
};
