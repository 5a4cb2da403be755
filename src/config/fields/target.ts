import { z } from 'zod';
import { expectSchema, headersSchema, tlsSchema } from './request.ts';
import { positiveDuration } from './values.ts';

/** Fields every target has. */
export const common = {
  name: z
    .string()
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,62}$/,
      'expected 1-63 letters, digits, "_", ".", ":" or "-"',
    )
    .meta({ description: 'Unique name; becomes the `target` label' }),
  interval: positiveDuration
    .optional()
    .meta({ description: 'How often to probe (default global.interval)' }),
  timeout: positiveDuration
    .optional()
    .meta({ description: 'Probe timeout (default global.timeout)' }),
};

export const budget = positiveDuration
  .optional()
  .meta({ description: 'Bot turn budget; slower turns count as over budget (default 30s)' });
/** Fields of the kinds that time one bot turn per probe (docs/protocols.md §4, §5.1, §6). */
export const botTurnFields = {
  timeout: positiveDuration.optional().meta({
    description:
      "Turn timeout (default the largest of global.timeout, budget and 30s, the platforms' own bot timeout, capped by global.interval)",
  }),
  text: z.string().min(1).optional().meta({ description: 'What the synthetic user says' }),
  budget,
  headers: headersSchema.optional(),
  expect: expectSchema.optional(),
  tls: tlsSchema.optional(),
};

/** A bot turn target's shared fields as validated, for the turn every bot kind runs. */
export type BotTurnFields = z.output<z.ZodObject<typeof botTurnFields>>;
