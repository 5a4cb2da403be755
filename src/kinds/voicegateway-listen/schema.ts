import { z } from 'zod';
import { audioCommon } from '../../config/fields/audio.ts';
import { requireOneSecret, withSecret } from '../../config/fields/secrets.ts';
import { pingSchema } from '../../config/fields/session.ts';
import { nonEmpty, wsUrl } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: voicegateway-listen` target of cxprobe.yml: jambonz listen sessions streaming audio to the target. */
export const voicegatewayListenTargetSchema = z.strictObject({
  ...audioCommon,
  kind: z.literal('voicegateway-listen'),
  url: wsUrl.meta({ description: 'The listen verb url: your WebSocket audio server' }),
  sample_rate: z
    .union([
      z.literal(8000),
      z.literal(16000),
      z.literal(24000),
      z.literal(48000),
      z.literal(64000),
    ])
    .optional()
    .meta({ description: 'L16 sample rate (8000)' }),
  mix_type: z.enum(['mono', 'stereo', 'mixed']).optional(),
  metadata: z
    .record(z.string(), z.unknown())
    // mod_audio_fork holds the first frame in 8,192 bytes (MAX_METADATA_LEN); the call info
    // takes about 500 of them (docs/protocols.md §5.4).
    .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= 7_000, {
      message:
        'metadata must serialise to at most 7000 bytes (jambonz cuts the first frame at 8 KiB)',
    })
    .optional()
    .meta({
      description:
        'The listen verb metadata: merged at the top level of the first text frame, over the call info',
    }),
  subprotocol: z.enum(['audio.jambonz.org', 'audio.drachtio.org']).optional().meta({
    description:
      'WebSocket subprotocol offered (audio.jambonz.org, what jambonz deployments set; @jambonz/sdk servers accept only audio.drachtio.org)',
  }),
  l16_byte_order: z.enum(['little', 'big']).optional().meta({
    description:
      'Byte order of L16 samples, both ways (little: jambonz/FreeSWITCH send host-order PCM)',
  }),
  basic_auth: z
    .strictObject({ username: nonEmpty, ...withSecret('password', 'the wsAuth password') })
    .superRefine(requireOneSecret('password'))
    .optional(),
  ping: pingSchema.optional().meta({ description: 'RFC 6455 pings (default off)' }),
});

export const voicegatewayListenTraits: KindTraits = {
  mode: 'session',
  botTurns: false,
  audio: true,
  interval: true,
};

/** A `kind: voicegateway-listen` target with its defaults resolved, as its prober receives it. */
export type VoicegatewayListenTarget = ResolvedTarget<
  z.output<typeof voicegatewayListenTargetSchema>
>;
