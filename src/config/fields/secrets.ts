import type { z } from 'zod';
import { nonEmpty } from './values.ts';

/**
 * Secret values may be given inline (normally as `${ENV_VAR}`) or as `<name>_file`. The loader
 * reads the file and fills in `<name>`, so the rest of the program sees one field.
 */
export function withSecret<Name extends string>(name: Name, description: string) {
  return {
    [name]: nonEmpty.optional().meta({ description: `${description} (use \${ENV_VAR})` }),
    [`${name}_file`]: nonEmpty.optional().meta({ description: `File holding ${description}` }),
  } as Record<Name | `${Name}_file`, z.ZodOptional<z.ZodString>>;
}

export function requireOneSecret(name: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const inline = value[name] !== undefined;
    const file = value[`${name}_file`] !== undefined;
    if (inline === file) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: inline
          ? `give either ${name} or ${name}_file, not both`
          : `required: set ${name} (e.g. \${ENV_VAR}) or ${name}_file`,
      });
    }
  };
}
