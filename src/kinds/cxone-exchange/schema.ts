import { z } from 'zod';
import { botTurnFields, common } from '../../config/fields/target.ts';
import { httpUrl, nonEmpty } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

const int32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** `ActionExecutionInfo` of NICE's exchange request (docs/protocols.md §6); ids are integers. */
const cxoneExecutionInfo = z.strictObject({
  contact_id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({
    description: 'executionInfo.contactId, an integer (default: a new random id every probe)',
  }),
  bus_no: int32.optional().meta({ description: 'executionInfo.busNo, the business unit (0)' }),
  action_type: z
    .string()
    .optional()
    .meta({ description: 'executionInfo.actionType (TEXTBOTEXCHANGE)' }),
  action_id: int32.optional().meta({ description: 'executionInfo.actionId (1)' }),
  script_name: z.string().optional().meta({ description: 'executionInfo.scriptName (cxprobe)' }),
});

/** The `kind: cxone-exchange` target of cxprobe.yml: one turn through a CXone Bot Exchange endpoint. */
export const cxoneExchangeTargetSchema = z.strictObject({
  ...common,
  ...botTurnFields,
  kind: z.literal('cxone-exchange'),
  url: httpUrl.meta({ description: 'The custom exchange endpoint' }),
  credential: nonEmpty.optional(),
  virtual_agent_id: nonEmpty.optional(),
  execution_info: cxoneExecutionInfo.optional().meta({
    description: 'What CXone says about the script action; requestId is new every probe',
  }),
});

export const cxoneExchangeTraits: KindTraits = {
  mode: 'cycle',
  botTurns: true,
  audio: false,
  interval: true,
};

/** A `kind: cxone-exchange` target with its defaults resolved, as its prober receives it. */
export type CxoneExchangeTarget = ResolvedTarget<z.output<typeof cxoneExchangeTargetSchema>>;
