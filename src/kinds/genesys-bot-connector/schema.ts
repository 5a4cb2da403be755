import { z } from 'zod';
import { botTurnFields, common } from '../../config/fields/target.ts';
import { httpUrl, nonEmpty } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: genesys-bot-connector` target of cxprobe.yml: one turn against a Digital Bot Connector bot. */
export const genesysBotConnectorTargetSchema = z.strictObject({
  ...common,
  ...botTurnFields,
  kind: z.literal('genesys-bot-connector'),
  url: httpUrl.meta({ description: 'The Bot Connector Handle Utterance URI' }),
  credential: nonEmpty.optional(),
  bot_id: nonEmpty.optional(),
  bot_version: nonEmpty.optional(),
  language: nonEmpty.optional(),
});

export const genesysBotConnectorTraits: KindTraits = {
  mode: 'cycle',
  botTurns: true,
  audio: false,
  interval: true,
};

/** A `kind: genesys-bot-connector` target with its defaults resolved, as its prober receives it. */
export type GenesysBotConnectorTarget = ResolvedTarget<
  z.output<typeof genesysBotConnectorTargetSchema>
>;
