import {
  DEFAULT_AUDIOHOOK_KEYS,
  DEFAULT_SIMULATOR_CLIENTS,
  type SimulatorClient,
} from '../../src/simulator/index.ts';

/** The simulator's default OAuth client of a platform (what `cxprobe simulate` accepts). */
export function simulatorClient(platform: 'genesys' | 'cxone'): SimulatorClient {
  const client = DEFAULT_SIMULATOR_CLIENTS.find((c) => c.platform === platform);
  if (client === undefined) throw new Error(`no default ${platform} simulator client`);
  return client;
}

/** The default Genesys client. */
export const GENESYS = simulatorClient('genesys');
/** The default CXone client. */
export const CXONE = simulatorClient('cxone');

const [[DEFAULT_KEY, DEFAULT_SECRET] = ['', '']] = Object.entries(DEFAULT_AUDIOHOOK_KEYS);

/** The reference sample AudioHook API key and client secret the simulator accepts by default. */
export const AUDIOHOOK_API_KEY = DEFAULT_KEY;
export const AUDIOHOOK_CLIENT_SECRET = DEFAULT_SECRET;
