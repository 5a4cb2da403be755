import { z } from 'zod';
import {
  ENDPOINT_KEYS,
  WS_ENDPOINT_KEYS,
  type EndpointKey,
  type WsEndpointKey,
} from '../endpoint-keys.ts';
import { delayDistributionSchema, delayMsSchema, noDelay } from './delays.ts';

// The fault state of both transports: HTTP `endpoints` and persistent-connection `ws_endpoints`.
// Field names are the admin API's wire names (`PUT /-/sim/faults`).

/** A probability. */
const rate = z.number().min(0).max(1);

/** Fault fields of one endpoint; the field names are the admin API's wire names. */
const endpointFaultSchema = z.strictObject({
  latency: delayDistributionSchema,
  error_rate: rate,
  error_status: z.int().min(500).max(599),
  rate_limit_storm: z.boolean(),
  storm_retry_after_s: z.int().min(1).max(86_400),
  slow_rate: rate,
  slow_ms: delayMsSchema,
  malformed_rate: rate,
});

/** A partial endpoint fault: every field, including inside `latency`, may be left out. */
const endpointFaultPatchSchema = endpointFaultSchema
  .extend({ latency: delayDistributionSchema.partial() })
  .partial();

/**
 * Faults injected into one endpoint.
 *
 * - `latency`: every answer is delayed by `fixed_ms` plus a uniform integer in [0, `random_ms`].
 * - `error_rate` (probability 0..1): answer `error_status` (500..599) instead.
 * - `rate_limit_storm`: answer every request 429 with `Retry-After: storm_retry_after_s`.
 * - `slow_rate` (probability): delay the answer by `slow_ms` more, to exceed a probe timeout.
 * - `malformed_rate` (probability): answer 200 with truncated JSON or an HTML error page.
 *
 * Several at once: storm, then error, then malformed decide the answer; latency and slow delay
 * every answer, injected or not.
 */
export type EndpointFault = z.infer<typeof endpointFaultSchema>;

/** Partial {@link EndpointFault}, deep-merged into the current state. */
export type EndpointFaultPatch = z.input<typeof endpointFaultPatchSchema>;

/** Faults of an endpoint nobody has touched: nothing is injected. */
export const DEFAULT_ENDPOINT_FAULT: Readonly<EndpointFault> = Object.freeze({
  latency: noDelay(),
  error_rate: 0,
  error_status: 503,
  rate_limit_storm: false,
  storm_retry_after_s: 5,
  slow_rate: 0,
  slow_ms: 30_000,
  malformed_rate: 0,
});

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
  latency: delayDistributionSchema,
  pong_delay: delayDistributionSchema,
  half_open: z.boolean(),
  refuse_handshakes: refuseSchema,
  drop_every_ms: everyMs,
  close_1011_every_ms: everyMs,
  maintenance_every_ms: everyMs,
  maintenance_grace_ms: delayMsSchema,
  frame_delay: delayDistributionSchema,
  frame_loss_rate: rate,
  frame_loss_burst: z.int().min(1).max(10_000),
  skip_seq: z.boolean(),
  error_429: error429Schema,
});

/** A partial WebSocket endpoint fault: every field, nested ones included, may be left out. */
export const wsEndpointFaultPatchSchema = wsEndpointFaultSchema
  .extend({
    latency: delayDistributionSchema.partial(),
    pong_delay: delayDistributionSchema.partial(),
    refuse_handshakes: refuseSchema.partial(),
    frame_delay: delayDistributionSchema.partial(),
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
  latency: noDelay(),
  pong_delay: noDelay(),
  half_open: false,
  refuse_handshakes: Object.freeze({ status: 503 as const, count: 0 }),
  drop_every_ms: 0,
  close_1011_every_ms: 0,
  maintenance_every_ms: 0,
  maintenance_grace_ms: 60_000,
  frame_delay: noDelay(),
  frame_loss_rate: 0,
  frame_loss_burst: 1,
  skip_seq: false,
  error_429: Object.freeze({ retry_after_s: 5 }),
});

const endpointPatchShape = Object.fromEntries(
  ENDPOINT_KEYS.map((key) => [key, endpointFaultPatchSchema.optional()]),
) as Record<EndpointKey, z.ZodOptional<typeof endpointFaultPatchSchema>>;

const wsEndpointPatchShape = Object.fromEntries(
  WS_ENDPOINT_KEYS.map((key) => [key, wsEndpointFaultPatchSchema.optional()]),
) as Record<WsEndpointKey, z.ZodOptional<typeof wsEndpointFaultPatchSchema>>;

/** Body of `PUT /-/sim/faults` and the `faults` start-up option. */
export const faultsPatchSchema = z.strictObject({
  reset: z.boolean().optional(),
  endpoints: z.strictObject(endpointPatchShape).optional(),
  ws_endpoints: z.strictObject(wsEndpointPatchShape).optional(),
});

/** Full fault state: every endpoint key is present. */
export interface FaultState {
  endpoints: Record<EndpointKey, EndpointFault>;
  /** Persistent-connection endpoints, see {@link WsEndpointFault}. */
  ws_endpoints: Record<WsEndpointKey, WsEndpointFault>;
}

/**
 * Change to the fault state. With `reset: true` every endpoint returns to
 * {@link DEFAULT_ENDPOINT_FAULT} (or {@link DEFAULT_WS_ENDPOINT_FAULT}) before `endpoints` and
 * `ws_endpoints` are merged in.
 */
export type FaultsPatch = z.input<typeof faultsPatchSchema>;
