import { z } from 'zod';
import { expectSchema, headersSchema, tlsSchema } from '../../config/fields/request.ts';
import { common } from '../../config/fields/target.ts';
import { httpUrl, nonEmpty } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** No target may ask cxprobe to hold more than this much of one response in memory. */
const MAX_BODY_BYTES_LIMIT = 64 * 1_048_576;

/** The `kind: http` target of cxprobe.yml: any HTTP(S) endpoint, blackbox_exporter style. */
export const httpTargetSchema = z.strictObject({
  ...common,
  kind: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  headers: headersSchema.optional(),
  body: z.string().optional(),
  credential: nonEmpty.optional().meta({ description: 'Sends "Authorization: Bearer <token>"' }),
  expect: expectSchema.optional(),
  follow_redirects: z.boolean().optional(),
  max_body_bytes: z.number().int().min(1).max(MAX_BODY_BYTES_LIMIT).optional().meta({
    description:
      'Largest response body read, after decompression (default 1 MiB); a larger one fails with body_too_large',
  }),
  max_redirects: z.number().int().min(0).max(50).optional(),
  tls: tlsSchema.optional(),
});

export const httpTraits: KindTraits = {
  mode: 'cycle',
  botTurns: false,
  audio: false,
  interval: true,
};

/** A `kind: http` target with its defaults resolved, as its prober receives it. */
export type HttpTarget = ResolvedTarget<z.output<typeof httpTargetSchema>>;
