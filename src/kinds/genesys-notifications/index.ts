import type { Target } from '../../config/load.ts';
import { genesysUrls } from '../../config/genesys-regions.ts';
import { createGenesysNotificationsProtocol } from '../../probers/genesys-notifications.ts';
import { genesysCredential, sessionProber, type KindModule } from '../kind.ts';

type NotificationsTarget = Extract<Target, { kind: 'genesys-notifications' }>;

/** `kind: genesys-notifications` — a Genesys Cloud Notifications channel kept open. */
export const genesysNotificationsKind: KindModule<NotificationsTarget> = {
  kind: 'genesys-notifications',
  traits: { mode: 'session', botTurns: false, audio: false },
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
