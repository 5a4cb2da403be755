import { z } from 'zod';
import { requireOneSecret, withSecret } from '../../config/fields/secrets.ts';
import { sessionCommon } from '../../config/fields/session.ts';
import { budget } from '../../config/fields/target.ts';
import { httpUrl, nonEmpty, positiveDuration } from '../../config/fields/values.ts';
import type { ResolvedTarget } from '../../config/resolved.ts';
import type { KindTraits } from '../../config/kind-traits.ts';

/** The `kind: cognigy-socket` target of cxprobe.yml: a Cognigy Socket.IO endpoint session with bot turns over it. */
export const cognigySocketTargetSchema = z
  .strictObject({
    ...sessionCommon,
    kind: z.literal('cognigy-socket'),
    url: httpUrl.meta({ description: 'Endpoint server, e.g. https://endpoint-trial.cognigy.ai' }),
    ...withSecret('url_token', 'the Cognigy endpoint URL token'),
    user_id: nonEmpty.optional(),
    text: z.string().min(1).optional().meta({ description: 'What the synthetic user says' }),
    interval: positiveDuration.optional().meta({ description: 'Time between bot turns (30s)' }),
    budget,
    transports: z
      .array(z.enum(['websocket', 'polling']))
      .min(1)
      .optional()
      .meta({
        description:
          'Socket.IO transports (default [websocket], as @cognigy/socket-client in Node; polling is an option)',
      }),
    wait_for_ready: z
      .boolean()
      .optional()
      .meta({ description: 'Wait for endpoint-ready (Cognigy.AI >= 4.79) before the first turn' }),
    inner_handshake: z.boolean().optional().meta({
      description:
        'Send the session ids in a handshake ack instead of the query (enableInnerSocketHandshake; default false)',
    }),
    emit_with_ack: z.boolean().optional().meta({
      description:
        'Ask the endpoint to emit outputs with an ack callback (default true, as the client library)',
    }),
    passthrough_ip: z.string().min(1).max(64).optional().meta({
      description: 'processInput passthroughIP (default null, as the client library)',
    }),
  })
  .superRefine(requireOneSecret('url_token'));

export const cognigySocketTraits: KindTraits = {
  mode: 'session',
  botTurns: true,
  audio: false,
  interval: true,
};

/** A `kind: cognigy-socket` target with its defaults resolved, as its prober receives it. */
export type CognigySocketTarget = ResolvedTarget<z.output<typeof cognigySocketTargetSchema>>;
