import { z } from 'zod';
import { pingSchema, sessionCommon } from '../../config/fields/session.ts';
import { nonEmpty, positiveDuration } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: genesys-notifications` target of cxprobe.yml: a Genesys Cloud Notifications channel kept open. */
export const genesysNotificationsTargetSchema = z.strictObject({
  ...sessionCommon,
  kind: z.literal('genesys-notifications'),
  credential: nonEmpty.meta({ description: 'A credential of type genesys' }),
  topics: z
    .array(nonEmpty)
    .max(1000)
    .optional()
    .meta({ description: 'Topics to subscribe on connect, e.g. v2.users.{id}.presence' }),
  ping: pingSchema.optional().meta({
    description: 'Genesys {"message":"ping"} health pings (default every 30s, 10s timeout)',
  }),
  control_ping: pingSchema.optional().meta({ description: 'RFC 6455 pings too (default off)' }),
  heartbeat_interval: positiveDuration
    .optional()
    .meta({ description: 'Expected server heartbeat period (30s); 2 missed end the session' }),
  channel_rollover: positiveDuration.optional().meta({
    description:
      'Replace the channel this long after creating it when the API gave no usable expires (23h)',
  }),
  rollover_before_expiry: positiveDuration.optional().meta({
    description: 'Replace the channel this long before the expires the API returned (1h)',
  }),
  subscribe_via: z.enum(['rest', 'websocket']).optional().meta({
    description:
      'Subscribe topics with PUT …/subscriptions as the official SDKs do (rest, default) or a socket subscribe message',
  }),
});

export const genesysNotificationsTraits: KindTraits = {
  mode: 'session',
  botTurns: false,
  audio: false,
  interval: false,
  credentialType: 'genesys',
};

/** A `kind: genesys-notifications` target with its defaults resolved, as its prober receives it. */
export type GenesysNotificationsTarget = ResolvedTarget<
  z.output<typeof genesysNotificationsTargetSchema>
>;
