import { createBotConnectorProber } from '../../probers/genesys-bot-connector.ts';
import type { KindModule } from '../kind.ts';
import { genesysBotConnectorTraits, type GenesysBotConnectorTarget } from './schema.ts';

/** `kind: genesys-bot-connector` — one turn against a Digital Bot Connector bot. */
export const genesysBotConnectorKind: KindModule<GenesysBotConnectorTarget> = {
  kind: 'genesys-bot-connector',
  traits: genesysBotConnectorTraits,
  create: (target, { deps }) => ({ mode: 'cycle', prober: createBotConnectorProber(target, deps) }),
  endpoint: (target) => ({ url: target.url, method: 'POST', protocol: 'http' }),
};
