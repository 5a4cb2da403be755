import { z } from 'zod';
import { expectSchema, tlsSchema } from '../../config/fields/request.ts';
import { common } from '../../config/fields/target.ts';
import { nonEmpty } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: genesys-rest` target of cxprobe.yml: an authenticated Genesys Cloud API round trip. */
export const genesysRestTargetSchema = z.strictObject({
  ...common,
  kind: z.literal('genesys-rest'),
  credential: nonEmpty.meta({ description: 'A credential of type genesys' }),
  path: z.string().startsWith('/').optional().meta({ description: 'Default /api/v2/tokens/me' }),
  expect: expectSchema.optional(),
  tls: tlsSchema.optional(),
});

export const genesysRestTraits: KindTraits = {
  mode: 'cycle',
  botTurns: false,
  audio: false,
  interval: true,
  credentialType: 'genesys',
};

/** A `kind: genesys-rest` target with its defaults resolved, as its prober receives it. */
export type GenesysRestTarget = ResolvedTarget<z.output<typeof genesysRestTargetSchema>>;
