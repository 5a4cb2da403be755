import { z } from 'zod';
import { common } from './target.ts';
import { tlsSchema } from './request.ts';
import { duration, positiveDuration } from './values.ts';

export const pingSchema = z.strictObject({
  interval: duration.meta({ description: 'Time between pings; 0s turns them off' }),
  timeout: positiveDuration.meta({ description: 'A ping unanswered this long ends the session' }),
});

export const reconnectSchema = z.strictObject({
  initial: positiveDuration.optional().meta({ description: 'First back-off window (1s)' }),
  max: positiveDuration.optional().meta({ description: 'Largest back-off window (60s)' }),
  stable_after: positiveDuration
    .optional()
    .meta({ description: 'A session living this long resets the back-off (60s)' }),
});

/** Fields every persistent (session) target has: no interval, the session runs continuously. */
export const sessionCommon = {
  name: common.name,
  timeout: positiveDuration
    .optional()
    .meta({ description: 'Connect and handshake timeout (default global.timeout)' }),
  reconnect: reconnectSchema.optional(),
  max_payload: z
    .number()
    .int()
    .min(1024)
    .optional()
    .meta({ description: 'Largest frame accepted, bytes; bigger ones end the session (1 MiB)' }),
  tls: tlsSchema.optional(),
};
