import { genesysUrls } from '../../config/genesys-regions.ts';
import { createGenesysNotificationsProtocol } from '../../probers/genesys-notifications.ts';
import { genesysCredential, sessionProber, type KindModule } from '../kind.ts';
import { genesysNotificationsTraits, type GenesysNotificationsTarget } from './schema.ts';

/** `kind: genesys-notifications` — a Genesys Cloud Notifications channel kept open. */
export const genesysNotificationsKind: KindModule<GenesysNotificationsTarget> = {
  kind: 'genesys-notifications',
  traits: genesysNotificationsTraits,
  create: (target, { config, deps }) => {
    const { apiUrl } = genesysUrls(genesysCredential(config, target.credential));
    return sessionProber(
      createGenesysNotificationsProtocol(target, deps, apiUrl),
      target.reconnect,
    );
  },
  // The socket's URL is the channel's connectUri, issued per channel: no URL belongs in a trace.
  endpoint: () => ({ protocol: 'websocket' }),
};
