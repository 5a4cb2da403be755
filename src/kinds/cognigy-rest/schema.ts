import { z } from 'zod';
import { requireOneSecret, withSecret } from '../../config/fields/secrets.ts';
import { botTurnFields, common } from '../../config/fields/target.ts';
import { httpUrl, nonEmpty } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: cognigy-rest` target of cxprobe.yml: one bot turn through a Cognigy REST endpoint. */
export const cognigyRestTargetSchema = z
  .strictObject({
    ...common,
    ...botTurnFields,
    kind: z.literal('cognigy-rest'),
    url: httpUrl.meta({ description: 'Endpoint base URL, e.g. https://endpoint-trial.cognigy.ai' }),
    ...withSecret('url_token', 'the Cognigy endpoint URL token'),
    user_id: nonEmpty.optional(),
  })
  .superRefine(requireOneSecret('url_token'));

export const cognigyRestTraits: KindTraits = {
  mode: 'cycle',
  botTurns: true,
  audio: false,
  interval: true,
};

/** A `kind: cognigy-rest` target with its defaults resolved, as its prober receives it. */
export type CognigyRestTarget = ResolvedTarget<z.output<typeof cognigyRestTargetSchema>>;
