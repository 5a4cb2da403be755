import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The JSON Schema of cxprobe.yml, generated from the same zod schema the loader validates with. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://cxprobe.dev/schema/cxprobe.schema.json',
    title: 'cxprobe configuration',
  };
}
