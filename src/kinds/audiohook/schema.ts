import { z } from 'zod';
import { audioCommon } from '../../config/fields/audio.ts';
import { requireOneSecret, withSecret } from '../../config/fields/secrets.ts';
import { pingSchema } from '../../config/fields/session.ts';
import { nonEmpty, positiveDuration, wsUrl } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: audiohook` target of cxprobe.yml: Genesys AudioHook sessions streaming audio to the target. */
export const audiohookTargetSchema = z
  .strictObject({
    ...audioCommon,
    kind: z.literal('audiohook'),
    url: wsUrl.meta({ description: 'The AudioHook / Audio Connector server, wss://…' }),
    ...withSecret('api_key', 'the X-API-KEY of the integration'),
    ...withSecret('client_secret', 'the base64 client secret that keys the request signature'),
    organization_id: z.uuid().optional(),
    format: z.enum(['PCMU', 'L16']).optional().meta({ description: 'Offered format (PCMU)' }),
    l16_byte_order: z.enum(['little', 'big']).optional().meta({
      description:
        'Byte order of L16 samples, both ways (little: what the AudioHook reference client sends; RFC 3551 L16 is big)',
    }),
    channels: z
      .enum(['external', 'internal', 'stereo'])
      .optional()
      .meta({ description: 'Offered channels: external (customer, default), internal, or both' }),
    language: nonEmpty.optional(),
    custom_config: z.record(z.string(), z.unknown()).optional(),
    connection_probe: z.boolean().optional().meta({
      description: 'Open and close only, with null ids and no audio, as Genesys tests an endpoint',
    }),
    ping: pingSchema
      .optional()
      .meta({ description: 'Protocol ping cadence and pong timeout (5s, 5s)' }),
    control_ping: pingSchema.optional().meta({ description: 'RFC 6455 pings too (default off)' }),
    open_timeout: positiveDuration
      .optional()
      .meta({ description: 'Wait this long for opened (5s)' }),
    close_timeout: positiveDuration
      .optional()
      .meta({ description: 'Wait this long for closed (10s)' }),
  })
  .superRefine(requireOneSecret('api_key'))
  .superRefine(requireOneSecret('client_secret'));

export const audiohookTraits: KindTraits = {
  mode: 'session',
  botTurns: false,
  audio: true,
  interval: true,
};

/** A `kind: audiohook` target with its defaults resolved, as its prober receives it. */
export type AudiohookTarget = ResolvedTarget<z.output<typeof audiohookTargetSchema>>;
