import { z } from 'zod';
import { MAX_DELAY_MS } from '../constants.ts';

const delayMs = z.int().min(0).max(MAX_DELAY_MS);
const delaySchema = z.strictObject({ fixed_ms: delayMs, random_ms: delayMs });
/** Mean of an exponential distribution; a day is plenty for "occasional". 0 switches it off. */
const everyMs = z.int().min(0).max(86_400_000);
const error429Schema = z.strictObject({ retry_after_s: z.int().min(0).max(86_400) });

/** HTTP statuses a refused WebSocket handshake may carry. */
export const REFUSE_STATUSES = [401, 403, 500, 503] as const;

const refuseSchema = z.strictObject({
  status: z.literal(REFUSE_STATUSES),
  count: z.int().min(0).max(1_000_000),
});

/** Fault fields of one persistent-connection endpoint; field names are the wire names. */
export const wsEndpointFaultSchema = z.strictObject({
  latency: delaySchema,
  pong_delay: delaySchema,
  half_open: z.boolean(),
  refuse_handshakes: refuseSchema,
  drop_every_ms: everyMs,
  close_1011_every_ms: everyMs,
  maintenance_every_ms: everyMs,
  maintenance_grace_ms: delayMs,
  frame_delay: delaySchema,
  frame_loss_rate: z.number().min(0).max(1),
  frame_loss_burst: z.int().min(1).max(10_000),
  skip_seq: z.boolean(),
  error_429: error429Schema,
});

/** A partial WebSocket endpoint fault: every field, nested ones included, may be left out. */
export const wsEndpointFaultPatchSchema = wsEndpointFaultSchema
  .extend({
    latency: delaySchema.partial(),
    pong_delay: delaySchema.partial(),
    refuse_handshakes: refuseSchema.partial(),
    frame_delay: delaySchema.partial(),
    error_429: error429Schema.partial(),
  })
  .partial();

/**
 * Faults injected into one persistent-connection endpoint (`ws_echo`,
 * `genesys_notifications`, `cognigy_socket`, `audiohook`, `listen`).
 *
 * - `latency`: delay of answers that are neither pongs nor echoes (Genesys subscribe results,
 *   Cognigy `output`/`finalPing`, AudioHook `opened`/`closed`/`updated`): `fixed_ms` plus a
 *   uniform integer in [0, `random_ms`].
 * - `pong_delay`: same distribution, applied to every RFC 6455 pong, every application pong
 *   (Genesys and AudioHook `pong`) and every echoed message (`ws_echo`).
 * - `half_open`: every session of the endpoint stops answering (pongs, echoes, heartbeats,
 *   outputs, Engine.IO pings) while its TCP connection stays open.
 * - `refuse_handshakes`: the next `count` handshakes are refused with `status`; `count`
 *   decreases with each refusal.
 * - `drop_every_ms`, `close_1011_every_ms`, `maintenance_every_ms`: 0 is off; otherwise each
 *   open session gets that fault after an exponentially distributed time with this mean.
 * - `maintenance_grace_ms`: time between the Genesys `socket_closing` notice and the 1001 close.
 *
 * Audio endpoints only (`audiohook`, `listen`; the others ignore these fields):
 * - `frame_delay`: added to every audio frame sent back, same distribution as `latency`. Frames
 *   stay in order: each goes out at the later of its own due time and the previous send.
 * - `frame_loss_rate` (probability 0..1): a frame about to be sent back starts a loss.
 * - `frame_loss_burst`: frames dropped per loss, the first included. @default 1
 * - `skip_seq` (AudioHook): the next server message of any session skips one `seq` number;
 *   the field returns to false once used.
 * - `error_429.retry_after_s`: unused (the `error_429` action applies nowhere); still accepted.
 */
export type WsEndpointFault = z.infer<typeof wsEndpointFaultSchema>;

/** Partial {@link WsEndpointFault}, deep-merged into the current state. */
export type WsEndpointFaultPatch = z.input<typeof wsEndpointFaultPatchSchema>;

/** Faults of a WebSocket endpoint nobody has touched: nothing is injected. */
export const DEFAULT_WS_ENDPOINT_FAULT: Readonly<WsEndpointFault> = Object.freeze({
  latency: Object.freeze({ fixed_ms: 0, random_ms: 0 }),
  pong_delay: Object.freeze({ fixed_ms: 0, random_ms: 0 }),
  half_open: false,
  refuse_handshakes: Object.freeze({ status: 503 as const, count: 0 }),
  drop_every_ms: 0,
  close_1011_every_ms: 0,
  maintenance_every_ms: 0,
  maintenance_grace_ms: 60_000,
  frame_delay: Object.freeze({ fixed_ms: 0, random_ms: 0 }),
  frame_loss_rate: 0,
  frame_loss_burst: 1,
  skip_seq: false,
  error_429: Object.freeze({ retry_after_s: 5 }),
});

/** A delay distribution: `fixed_ms` plus a uniform integer in [0, `random_ms`]. */
export interface DelayDistribution {
  fixed_ms: number;
  random_ms: number;
}

/** Draws one whole-millisecond delay from `distribution`. */
export function drawDelay(distribution: DelayDistribution, random: () => number): number {
  const { fixed_ms, random_ms } = distribution;
  return fixed_ms + (random_ms > 0 ? Math.floor(random() * (random_ms + 1)) : 0);
}

/** Draws from an exponential distribution with the given mean (ms). */
export function drawExponential(meanMs: number, random: () => number): number {
  // 1 - random() is in (0, 1], so the logarithm is finite.
  return -meanMs * Math.log(1 - random());
}
