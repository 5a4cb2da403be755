import { z } from 'zod';

/**
 * Client message checks of the AudioHook reference server (docs/protocols.md §3.4, §3.5): the
 * envelope every client message carries, then the parameters of its type. A client message that
 * fails any of them is answered `disconnect {reason:"error"}`.
 */

/** Why a client message was rejected; the keys of `rejections` in the ground truth. */
export const REJECTIONS = [
  'message_too_large',
  'not_json',
  'bad_envelope',
  'seq',
  'serverseq',
  'session_id',
  'unknown_type',
  'bad_parameters',
  'unexpected_open',
  'audio_before_open',
  'audio_while_paused',
  'audio_after_close',
  'audio_without_media',
  'bad_audio_frame',
  'close_repeated',
  'no_media',
] as const;

/** One reason of {@link REJECTIONS}. */
export type Rejection = (typeof REJECTIONS)[number];

/** Largest text message, characters (the reference checks the decoded string's length). */
export const MAX_TEXT_CHARS = 65_535;

const UUID =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000)$/;
const DURATION = /^PT(?:\d*\.)?\d+S$/;
const LANGUAGE = /^[a-z]{2,3}-[A-Za-z]{2,3}$/;

const uuid = z.string().regex(UUID);
const duration = z.string().regex(DURATION);
const sequenceNumber = z.number().int().min(0);
/** A plain JSON object (not an array, not null). */
const jsonObject = z.record(z.string(), z.unknown());

export const mediaItemSchema = z.object({
  type: z.literal('audio'),
  format: z.enum(['PCMU', 'L16']),
  rate: z.literal(8000),
  channels: z
    .array(z.enum(['external', 'internal']))
    .min(1)
    .max(2),
});

/** A valid media parameter. */
export type MediaItem = z.infer<typeof mediaItemSchema>;

const participant = z.object({ id: uuid, ani: z.string(), aniName: z.string(), dnis: z.string() });

const openParameters = z.object({
  organizationId: uuid,
  conversationId: uuid,
  participant,
  media: z.array(mediaItemSchema),
  language: z.string().regex(LANGUAGE).optional(),
  supportedLanguages: z.boolean().optional(),
  continuedSessions: z
    .array(z.object({ id: uuid, serverseq: sequenceNumber, clientseq: sequenceNumber }))
    .optional(),
  customConfig: jsonObject.optional(),
});

/** Parameters of each client message type; Audio Connector adds three notices. */
const PARAMETERS = {
  open: openParameters,
  close: z.object({ reason: z.enum(['end', 'error', 'disconnect', 'reconnect']) }),
  ping: z.object({ rtt: duration.optional() }),
  paused: jsonObject,
  resumed: z.object({ start: duration, discarded: duration }),
  discarded: z.object({ start: duration, discarded: duration }),
  update: z.object({ language: z.string().regex(LANGUAGE) }),
  error: z.object({
    code: z.number().int().min(400).max(9999),
    message: z.string(),
    retryAfter: duration.optional(),
  }),
} as const;

/** Audio Connector client notices (docs/protocols.md §3.11): accepted on its route only. */
const CONNECTOR_TYPES = new Set(['dtmf', 'playback_started', 'playback_completed']);

const envelope = z.object({
  version: z.literal('2'),
  id: uuid,
  type: z.string(),
  seq: sequenceNumber,
  serverseq: sequenceNumber,
  position: duration,
  parameters: jsonObject,
});

/** A client message whose envelope passed. */
export type ClientEnvelope = z.infer<typeof envelope>;

/** A rejection and the `info` of the `disconnect` that answers it. */
export interface Rejected {
  rejection: Rejection;
  info: string;
}

/** Parses text into an envelope; the type and parameters are checked by {@link checkType}. */
export function parseEnvelope(text: string): ClientEnvelope | Rejected {
  if (text.length > MAX_TEXT_CHARS) {
    return { rejection: 'message_too_large', info: 'message too large' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { rejection: 'not_json', info: 'Text message not valid JSON' };
  }
  const parsed = envelope.safeParse(value);
  if (!parsed.success) {
    return { rejection: 'bad_envelope', info: 'Message not a well-formed client message' };
  }
  return parsed.data;
}

/** Checks the type and its parameters, after the envelope and sequence numbers. */
export function checkType(message: ClientEnvelope, connector: boolean): Rejected | undefined {
  if (connector && CONNECTOR_TYPES.has(message.type)) return undefined;
  const schema = (PARAMETERS as Record<string, z.ZodType | undefined>)[message.type];
  if (schema === undefined) {
    return {
      rejection: 'unknown_type',
      info: `'${message.type.slice(0, 64)}' is not a supported client message`,
    };
  }
  if (!schema.safeParse(message.parameters).success) {
    return {
      rejection: 'bad_parameters',
      info: `Invalid '${message.type}' message: invalid or missing parameters`,
    };
  }
  return undefined;
}

/** True for an envelope rather than a rejection. */
export function isEnvelope(value: ClientEnvelope | Rejected): value is ClientEnvelope {
  return !('rejection' in value);
}
