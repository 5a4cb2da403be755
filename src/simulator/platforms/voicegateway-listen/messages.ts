import { z } from 'zod';

/**
 * What the simulated `listen` application server accepts from a jambonz gateway
 * (docs/protocols.md §5.4): the first text frame as `lib/tasks/listen.js` builds it, then only
 * the events jambonz sends (`playDone`, `mark` playout/cleared, DTMF). Anything else breaks the
 * protocol and is rejected with one of {@link LISTEN_REJECTIONS}.
 */

/** Reasons a gateway is rejected, counted in `/-/sim/truth` `listen_rejections`. */
export const LISTEN_REJECTIONS = [
  /** Upgrade without the subprotocol the server accepts (refused with 400). */
  'subprotocol',
  /** Binary audio before the metadata text frame (closed 1003). */
  'binary_before_metadata',
  /** The first text frame is not a JSON object (closed 1008). */
  'metadata_not_json',
  /** `sampleRate` missing, not a number or not a listen rate. */
  'metadata_sample_rate',
  /** `mixType` not mono, stereo or mixed. */
  'metadata_mix_type',
  /** A call-info field jambonz always sends is missing or of the wrong type. */
  'metadata_call_info',
  /** A binary frame that is not whole samples of every channel. */
  'bad_audio_frame',
  /** A text frame after the metadata that is not JSON. */
  'not_json',
  /** A text frame that is none of the events jambonz sends (e.g. a command sent back). */
  'unexpected_text',
  /** A `mark` event for a mark the server never sent, or already answered. */
  'unknown_mark',
  /** A `mark` event without a name or with an event other than playout / cleared. */
  'bad_mark_event',
  /** A `playDone` while no `playAudio` was waiting for one. */
  'unexpected_play_done',
  /** A `playDone` whose `data.id` is not the id of a waiting `playAudio`. */
  'play_done_id',
  /** A DTMF event without its digit. */
  'bad_dtmf',
] as const;
export type ListenRejection = (typeof LISTEN_REJECTIONS)[number];

/** Sample rates the listen verb allows (docs/protocols.md §5.4). */
export const LISTEN_SAMPLE_RATES: readonly number[] = [8000, 16000, 24000, 32000, 48000, 64000];
export type MixType = 'mono' | 'stereo' | 'mixed';

/** Call-info fields `CallInfo.toJSON()` always carries for a call (jambonz call-info.js). */
const callInfo = z.object({
  callSid: z.string().min(1),
  direction: z.string().min(1),
  from: z.string(),
  to: z.string(),
  callId: z.string().min(1),
  sipStatus: z.number().int(),
  callStatus: z.string().min(1),
  accountSid: z.string().min(1),
  applicationSid: z.string().min(1),
});

/** The validated first text frame. */
export interface ListenMetadata {
  callSid: string;
  sampleRate: number;
  mixType: MixType;
}

/** Checks the first text frame; never throws. */
export function parseMetadata(text: string): ListenMetadata | ListenRejection {
  const value = parseJsonObject(text);
  if (value === undefined) return 'metadata_not_json';
  const { sampleRate, mixType } = value;
  if (typeof sampleRate !== 'number' || !LISTEN_SAMPLE_RATES.includes(sampleRate)) {
    return 'metadata_sample_rate';
  }
  if (mixType !== 'mono' && mixType !== 'stereo' && mixType !== 'mixed') {
    return 'metadata_mix_type';
  }
  const info = callInfo.safeParse(value);
  if (!info.success) return 'metadata_call_info';
  return { callSid: info.data.callSid, sampleRate, mixType };
}

/** An event from the gateway, checked for shape (whether it answers anything is the caller's). */
export type GatewayEvent =
  | { type: 'playDone'; id: unknown }
  | { type: 'mark'; name: string; event: 'playout' | 'cleared' }
  | { type: 'dtmf' };

const markEvent = z.object({
  name: z.string().min(1),
  event: z.enum(['playout', 'cleared']),
});

/** Checks one text frame after the metadata; never throws. */
export function parseGatewayEvent(text: string): GatewayEvent | ListenRejection {
  const value = parseJsonObject(text);
  if (value === undefined) return 'not_json';
  if (value.event === 'dtmf') {
    return typeof value.dtmf === 'string' && value.dtmf !== '' ? { type: 'dtmf' } : 'bad_dtmf';
  }
  switch (value.type) {
    case 'playDone': {
      const data = value.data;
      const id =
        typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
      return { type: 'playDone', id };
    }
    case 'mark': {
      const parsed = markEvent.safeParse(value.data);
      return parsed.success ? { type: 'mark', ...parsed.data } : 'bad_mark_event';
    }
    default:
      return 'unexpected_text';
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
