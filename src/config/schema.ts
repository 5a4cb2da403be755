import { HTTP_PHASES } from './http-phases.ts';
import { z } from 'zod';
import { TARGET_SCHEMAS, traitsOf } from '../kinds/schemas.ts';
import { requireOneSecret, withSecret } from './fields/secrets.ts';
import { duration, httpUrl, nonEmpty, positiveDuration } from './fields/values.ts';
import { GENESYS_REGIONS } from './genesys-regions.ts';
import { resolveTiming } from './target-timing.ts';

/**
 * The one schema for cxprobe.yml. Everything the loader, `check-config`, the JSON Schema for
 * editors and the TypeScript types know about the config comes from here. Each kind's target
 * schema and traits live with the kind (src/kinds/<kind>/schema.ts); the fields they share in
 * ./fields/. Nothing here names a kind: what differs by kind is read from its traits.
 */

const refreshBefore = duration
  .optional()
  .meta({ description: 'Refresh tokens this long before they expire (default 60s)' });

const genesysCredential = z
  .strictObject({
    type: z.literal('genesys'),
    region: z
      .enum(Object.keys(GENESYS_REGIONS) as [string, ...string[]])
      .optional()
      .meta({ description: 'Genesys Cloud region key, e.g. us_east_1, eu_central_1' }),
    login_url: httpUrl.optional().meta({ description: 'Overrides https://login.{domain}' }),
    api_url: httpUrl.optional().meta({ description: 'Overrides https://api.{domain}' }),
    client_id: nonEmpty,
    ...withSecret('client_secret', 'the OAuth client secret'),
    refresh_before: refreshBefore,
  })
  .superRefine(requireOneSecret('client_secret'))
  .superRefine((value, ctx) => {
    if (
      value.region === undefined &&
      (value.login_url === undefined || value.api_url === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: 'required: set region, or both login_url and api_url',
      });
    }
  });

const rfc6749Credential = (type: 'cxone' | 'generic') =>
  z
    .strictObject({
      type: z.literal(type),
      token_url: httpUrl,
      client_id: nonEmpty,
      ...withSecret('client_secret', 'the OAuth client secret'),
      auth_method: z.enum(['client_secret_basic', 'client_secret_post']).optional().meta({
        description: 'RFC 6749 §2.3.1 client authentication (default client_secret_basic)',
      }),
      scope: z.string().optional(),
      audience: z.string().optional(),
      refresh_before: refreshBefore,
    })
    .superRefine(requireOneSecret('client_secret'));

export const credentialSchema = z.discriminatedUnion('type', [
  genesysCredential,
  rfc6749Credential('cxone'),
  rfc6749Credential('generic'),
]);

/** Every credential type, in schema order. */
export const CREDENTIAL_TYPES = credentialSchema.options.map((option) => option.shape.type.value);

export const targetSchema = z.discriminatedUnion('kind', TARGET_SCHEMAS);

/** Kinds whose targets have a bot turn budget (resolved by the loader). */
export const KINDS_WITH_BUDGET: ReadonlySet<string> = new Set(
  targetSchema.options
    .filter((option) => 'budget' in option.shape)
    .map((option) => option.shape.kind.value),
);

/** Every target kind, in schema order: error messages list them from here. */
export const TARGET_KINDS = targetSchema.options.map((option) => option.shape.kind.value);

const globalSchema = z.strictObject({
  interval: positiveDuration.optional().meta({ description: 'Default probe interval (30s)' }),
  timeout: positiveDuration.optional().meta({ description: 'Default probe timeout (10s)' }),
  history_limit: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .meta({ description: 'Probe logs kept for the landing page, plus as many failures (100)' }),
  http_phase_histograms: z.array(z.enum(HTTP_PHASES)).optional().meta({
    description:
      'HTTP phases that get a histogram (default [first_byte, total]); every phase always has a last-probe gauge',
  }),
});

export const configSchema = z
  .strictObject({
    global: globalSchema.optional(),
    credentials: z.record(z.string(), credentialSchema).optional(),
    targets: z.array(targetSchema).meta({ description: 'What to probe' }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.targets.forEach((target, index) => {
      const first = seen.get(target.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, 'name'],
          message: `duplicate target name "${target.name}" (first used by targets[${first}])`,
        });
      }
      seen.set(target.name, index);
      const { problem } = resolveTiming(target, traitsOf(target.kind), config.global, DEFAULTS);
      if (problem !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', index, problem.field],
          message: problem.message,
        });
      }
      if ('credential' in target && target.credential !== undefined) {
        const credential = config.credentials?.[target.credential];
        if (credential === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', index, 'credential'],
            message: `unknown credential "${target.credential}"`,
          });
        } else {
          const wanted = traitsOf(target.kind).credentialType;
          if (wanted !== undefined && credential.type !== wanted) {
            ctx.addIssue({
              code: 'custom',
              path: ['targets', index, 'credential'],
              message: `${target.kind} needs a credential of type ${wanted}, "${target.credential}" is ${credential.type}`,
            });
          }
        }
      }
    });
  });

/** Defaults applied by the loader, in one place. */
export const DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 10_000,
  historyLimit: 100,
  refreshBeforeMs: 60_000,
  botBudgetMs: 30_000,
  /**
   * Floor of a bot kind's default timeout: the Digital Bot Connector's default "Bot Response
   * Timeout" (docs/protocols.md §4.1), so cxprobe never cuts a turn the platform would accept.
   */
  botTimeoutMs: 30_000,
  maxRedirects: 10,
  /** Response bodies are read up to this many bytes, after decompression. */
  maxBodyBytes: 1_048_576,
  genesysRestPath: '/api/v2/tokens/me',
  /** Histograms cost 19 series per phase and target; these two answer "is it slow?". */
  httpPhaseHistograms: ['first_byte', 'total'] as const,
  botText: 'Hello, this is a cxprobe synthetic check',
} as const;

export type RawConfig = z.output<typeof configSchema>;
export type RawTarget = z.output<typeof targetSchema>;
export type RawCredential = z.output<typeof credentialSchema>;
