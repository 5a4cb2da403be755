import type { Config, Target } from '../config/load.ts';
import { genesysUrls } from '../auth/genesys-regions.ts';
import { createBotConnectorProber } from './genesys-bot-connector.ts';
import { createCognigyRestProber } from './cognigy-rest.ts';
import { createCxoneExchangeProber } from './cxone-exchange.ts';
import { createGenesysRestProber } from './genesys-rest.ts';
import { createHttpProber } from './http-prober.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/** Builds the prober for a target; the `kind` switch is the registry of every prober kind. */
export function createProber(target: Target, config: Config, deps: ProberDeps): Prober {
  switch (target.kind) {
    case 'http':
      return createHttpProber(target, deps);
    case 'genesys-rest': {
      const credential = config.credentials[target.credential];
      if (credential?.type !== 'genesys')
        throw new Error(`target ${target.name}: credential is not of type genesys`);
      return createGenesysRestProber(target, deps, genesysUrls(credential).apiUrl);
    }
    case 'cognigy-rest':
      return createCognigyRestProber(target, deps);
    case 'genesys-bot-connector':
      return createBotConnectorProber(target, deps);
    case 'cxone-exchange':
      return createCxoneExchangeProber(target, deps);
  }
}

export type { Prober, ProbeResult, ProbeContext, ProbeLog } from './types.ts';
