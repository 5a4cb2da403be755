import { z } from 'zod';
import { nonEmpty, regexPattern } from './values.ts';

/** Fields of targets that send HTTP requests: what to expect back, headers, TLS. */

export const jsonExpectation = z.strictObject({
  path: nonEmpty.meta({
    description: 'Dot path into the JSON body, e.g. "status" or "items.0.id"',
  }),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  matches: regexPattern.optional(),
});

export const expectSchema = z.strictObject({
  status: z
    .array(z.number().int().min(100).max(599))
    .min(1)
    .optional()
    .meta({ description: 'Accepted status codes (default: any 2xx)' }),
  body_regex: regexPattern.optional(),
  json: z.array(jsonExpectation).optional(),
});

export const tlsSchema = z.strictObject({
  insecure_skip_verify: z.boolean().optional(),
  ca_file: nonEmpty.optional(),
});

export const headersSchema = z.record(z.string(), z.string());
