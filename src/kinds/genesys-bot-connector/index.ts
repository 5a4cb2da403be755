import type { Target } from '../../config/load.ts';
import { createBotConnectorProber } from '../../probers/genesys-bot-connector.ts';
import type { KindModule } from '../kind.ts';

type BotConnectorTarget = Extract<Target, { kind: 'genesys-bot-connector' }>;

/** `kind: genesys-bot-connector` — one turn against a Digital Bot Connector bot. */
export const genesysBotConnectorKind: KindModule<BotConnectorTarget> = {
  kind: 'genesys-bot-connector',
  traits: { mode: 'cycle', botTurns: true, audio: false },
  create: (target, { deps }) => ({ mode: 'cycle', prober: createBotConnectorProber(target, deps) }),
  endpoint: (target) => ({ url: target.url, method: 'POST', protocol: 'http' }),
};
