import { genesysUrls } from '../../config/genesys-regions.ts';
import type { Credential } from '../../config/load.ts';
import { DEFAULTS } from '../../config/schema.ts';
import { createGenesysRestProber } from '../../probers/genesys-rest.ts';
import { genesysCredential, type KindModule } from '../kind.ts';
import { genesysRestTraits, type GenesysRestTarget } from './schema.ts';

/** `kind: genesys-rest` — an authenticated Genesys Cloud API round trip. */
export const genesysRestKind: KindModule<GenesysRestTarget> = {
  kind: 'genesys-rest',
  traits: genesysRestTraits,
  create: (target, { config, deps }) => {
    const url = restUrl(target, genesysCredential(config, target.credential));
    return { mode: 'cycle', prober: createGenesysRestProber(target, deps, url) };
  },
  endpoint: (target, config) => {
    const credential = config.credentials[target.credential];
    if (credential?.type !== 'genesys') return { protocol: 'http' };
    return { url: restUrl(target, credential), method: 'GET', protocol: 'http' };
  },
};

/** The URL a target probes: the credential's region API and the target's path. */
function restUrl(
  target: GenesysRestTarget,
  credential: Extract<Credential, { type: 'genesys' }>,
): string {
  return `${genesysUrls(credential).apiUrl}${target.path ?? DEFAULTS.genesysRestPath}`;
}
