import { z } from 'zod';
import { headersSchema } from '../../config/fields/request.ts';
import { pingSchema, sessionCommon } from '../../config/fields/session.ts';
import { nonEmpty, positiveDuration, regexPattern, wsUrl } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

const appPingSchema = z
  .strictObject({
    interval: positiveDuration,
    timeout: positiveDuration,
    send: z
      .string()
      .min(1)
      .meta({ description: 'Text to send; {{id}} is replaced by a unique id' }),
    match_json: z
      .string()
      .optional()
      .meta({ description: 'Dot path of the reply field that carries the id back' }),
    match_regex: regexPattern
      .optional()
      .meta({ description: 'Regex a reply must match; capture group 1, if any, is the id' }),
  })
  .superRefine((value, ctx) => {
    if ((value.match_json === undefined) === (value.match_regex === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['match_json'],
        message: 'give match_json or match_regex',
      });
    }
  });

const stepSchema = z.union([
  z.strictObject({ send: z.string() }),
  z.strictObject({ expect: regexPattern, timeout: positiveDuration.optional() }),
]);

/** The `kind: websocket` target of cxprobe.yml: any WebSocket endpoint, kept open. */
export const websocketTargetSchema = z.strictObject({
  ...sessionCommon,
  kind: z.literal('websocket'),
  url: wsUrl,
  subprotocols: z.array(nonEmpty).optional(),
  headers: headersSchema.optional(),
  credential: nonEmpty.optional().meta({ description: 'OAuth token sent on every (re)connect' }),
  credential_in: z
    .enum(['header', 'query'])
    .optional()
    .meta({ description: 'Authorization header (default) or a query parameter' }),
  query_param: nonEmpty.optional().meta({ description: 'Query parameter name (access_token)' }),
  ping: pingSchema
    .optional()
    .meta({ description: 'RFC 6455 pings (default every 10s, 5s timeout)' }),
  app_ping: appPingSchema.optional(),
  steps: z.array(stepSchema).optional().meta({ description: 'Messages to send/expect after open' }),
});

export const websocketTraits: KindTraits = {
  mode: 'session',
  botTurns: false,
  audio: false,
  interval: false,
};

/** A `kind: websocket` target with its defaults resolved, as its prober receives it. */
export type WebSocketTarget = ResolvedTarget<z.output<typeof websocketTargetSchema>>;
