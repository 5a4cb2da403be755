import { formatIsoDuration, parseIsoDuration } from '../../audio/duration.ts';

/**
 * The AudioHook protocol envelope (version "2"): every text message carries the session id, its
 * type, a per-direction sequence number starting at 1, and the last sequence number seen from
 * the other side.
 */
export interface AudiohookMessage {
  version: '2';
  id: string;
  type: string;
  seq: number;
  /** Client → server: last server seq seen. */
  serverseq?: number;
  /** Server → client: last client seq seen. */
  clientseq?: number;
  /** Client → server: stream position, ISO-8601 duration. */
  position?: string;
  parameters: Record<string, unknown>;
}

/** Text messages larger than this are a protocol error (the reference uses 64 KiB). */
export const MAX_TEXT_MESSAGE = 65_535;

/** Parses a server message; returns a reason string when it is not a valid envelope. */
export function parseServerMessage(text: string): AudiohookMessage | string {
  if (text.length > MAX_TEXT_MESSAGE) return 'message_too_large';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not_json';
  }
  if (value === null || typeof value !== 'object') return 'not_an_object';
  const message = value as Partial<AudiohookMessage>;
  if (message.version !== '2') return 'bad_version';
  if (
    typeof message.type !== 'string' ||
    typeof message.seq !== 'number' ||
    typeof message.id !== 'string'
  ) {
    return 'bad_envelope';
  }
  return {
    ...message,
    parameters: isRecord(message.parameters) ? message.parameters : {},
  } as AudiohookMessage;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Seconds as AudioHook writes positions and RTTs (`PT12.4S`); negatives clamp to 0. */
export function isoSeconds(seconds: number): string {
  return formatIsoDuration(Math.max(0, seconds));
}

/** A `PT…S` field from the server in seconds; undefined when absent or malformed. */
export function parseIsoSeconds(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseIsoDuration(text);
  } catch {
    return undefined;
  }
}

/** A media offer or selection. */
export interface MediaItem {
  type: 'audio';
  format: 'PCMU' | 'L16';
  channels: ('external' | 'internal')[];
  rate: number;
}

/** The all-zero UUID Genesys uses for connection probes. */
export const NULL_UUID = '00000000-0000-0000-0000-000000000000';
