import { genesysUrls } from '../../config/genesys-regions.ts';
import { DEFAULTS } from '../../config/schema.ts';
import { createGenesysRestProber } from '../../probers/genesys-rest.ts';
import { genesysCredential, type KindModule } from '../kind.ts';
import { genesysRestTraits, type GenesysRestTarget } from './schema.ts';

/** `kind: genesys-rest` — an authenticated Genesys Cloud API round trip. */
export const genesysRestKind: KindModule<GenesysRestTarget> = {
  kind: 'genesys-rest',
  traits: genesysRestTraits,
  create: (target, { config, deps }) => {
    const { apiUrl } = genesysUrls(genesysCredential(config, target.credential));
    return { mode: 'cycle', prober: createGenesysRestProber(target, deps, apiUrl) };
  },
  endpoint: (target, config) => {
    const credential = config.credentials[target.credential];
    if (credential?.type !== 'genesys') return { protocol: 'http' };
    const url = `${genesysUrls(credential).apiUrl}${target.path ?? DEFAULTS.genesysRestPath}`;
    return { url, method: 'GET', protocol: 'http' };
  },
};
