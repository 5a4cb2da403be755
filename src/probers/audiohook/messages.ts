import { formatIsoDuration, parseIsoDuration } from '../../audio/duration.ts';

/**
 * The AudioHook protocol envelope (version "2"): every text message carries the session id, its
 * type, a per-direction sequence number starting at 1, and the last sequence number seen from
 * the other side (docs/protocols.md §3.4).
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

/**
 * A server message the client cannot accept: a bounded violation kind, and the `error` code and
 * text the reference client sends before its close transaction with reason `error`
 * (docs/protocols.md §3.7).
 */
export interface ProtocolFault {
  kind: string;
  code: number;
  message: string;
}

/** What a server may send (docs/protocols.md §3.5). `error` is not among them. */
const SERVER_TYPES = new Set([
  'opened',
  'closed',
  'pong',
  'pause',
  'resume',
  'updated',
  'disconnect',
  'reconnect',
  'event',
]);

/** `PT…S` as the reference validator accepts it. */
const DURATION = /^PT(?:\d*\.)?\d+S$/;

/** Parses a server message; a {@link ProtocolFault} when it is not a valid envelope. */
export function parseServerMessage(text: string): AudiohookMessage | ProtocolFault {
  if (text.length > MAX_TEXT_MESSAGE) {
    return { kind: 'message_too_large', code: 413, message: 'Message too large' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'not_json', code: 400, message: 'Message not well-formed JSON' };
  }
  if (!isRecord(value)) return notServerMessage('not_an_object');
  if (value.version !== '2') return notServerMessage('bad_version');
  const { id, type, seq, clientseq, parameters } = value;
  if (
    typeof id !== 'string' ||
    typeof type !== 'string' ||
    !isSequenceNumber(seq) ||
    !isSequenceNumber(clientseq) ||
    !isRecord(parameters)
  ) {
    return notServerMessage('bad_envelope');
  }
  return { version: '2', id, type, seq, clientseq, parameters };
}

function notServerMessage(kind: string): ProtocolFault {
  return { kind, code: 400, message: 'Message not an AudioHook server message' };
}

/**
 * Checks a server message's type and parameters. A server `error` is not a server message:
 * `error` flows from Genesys to the server only (rate limiting included), and the reference
 * client treats one as fatal (docs/protocols.md §3.5).
 */
export function checkServerMessage(message: AudiohookMessage): ProtocolFault | undefined {
  if (message.type === 'error') {
    return {
      kind: 'server_error_message',
      code: 500,
      message: "'error' is not a server message",
    };
  }
  if (!SERVER_TYPES.has(message.type)) {
    return { kind: 'unknown_type', code: 500, message: 'Unsupported server message type' };
  }
  if (!parametersValid(message.type, message.parameters)) {
    return {
      kind: 'bad_parameters',
      code: 500,
      message: `Invalid '${message.type}' parameters`,
    };
  }
  return undefined;
}

function parametersValid(type: string, parameters: Record<string, unknown>): boolean {
  switch (type) {
    case 'opened':
      return (
        Array.isArray(parameters.media) &&
        optional(parameters.discardTo, isDuration) &&
        optional(parameters.startPaused, (value) => typeof value === 'boolean') &&
        optional(
          parameters.supportedLanguages,
          (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
        )
      );
    case 'disconnect':
      return (
        (parameters.reason === 'completed' ||
          parameters.reason === 'unauthorized' ||
          parameters.reason === 'error') &&
        optional(parameters.info, (value) => typeof value === 'string')
      );
    case 'reconnect':
      return optional(parameters.info, (value) => typeof value === 'string');
    case 'event':
      return (
        Array.isArray(parameters.entities) &&
        parameters.entities.every((entity) => isRecord(entity) && typeof entity.type === 'string')
      );
    default:
      return true;
  }
}

function optional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function isSequenceNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && DURATION.test(value);
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
