import { z } from 'zod';
import { packL16, reorderL16, type ByteOrder } from '../../audio/codec.ts';
import { parseWav } from '../../audio/wav.ts';

/**
 * Commands a `listen` application server sends to jambonz, validated before use
 * (docs/protocols.md §5.4). Every way a command can be wrong maps to one stable violation kind,
 * so a hostile server cannot grow the metric's label set.
 */
export type ListenCommand =
  | {
      type: 'playAudio';
      /** Echoed in `playDone` when the server gave one. */
      id: string | number | undefined;
      /** Mono 16-bit PCM, little-endian (host order for the playout measurements). */
      pcm: Buffer;
      rate: number;
      /** true: wait behind the clips already queued; false: replace the waiting ones. */
      queuePlay: boolean;
    }
  | { type: 'killAudio' }
  | { type: 'mark'; name: string }
  | { type: 'clearMarks' }
  | { type: 'disconnect' }
  /** mod_audio_fork `error`: jambonz ends the listen verb. */
  | { type: 'error' }
  /** Known to mod_audio_fork but outside what cxprobe measures (`transcription`, `transfer`, `json`). */
  | { type: 'ignored' };

/** Violation kinds of {@link parseCommand}. */
export const COMMAND_VIOLATIONS = [
  'not_json',
  'not_an_object',
  'unknown_type',
  'play_audio_no_data',
  'play_audio_content',
  'play_audio_content_type',
  'play_audio_sample_rate',
  'play_audio_too_big',
  'play_audio_bad_wav',
  'play_audio_bad_field',
  'mark_invalid',
] as const;
export type CommandViolation = (typeof COMMAND_VIOLATIONS)[number];

/** Raw `sampleRate`s mod_audio_fork maps to a file type; anything else it plays at 16 kHz. */
export const PLAY_SAMPLE_RATES: readonly number[] = [8000, 16000, 24000, 32000, 48000, 64000];
/** Largest decoded clip we accept: about 65 s at 32 kHz. More is a runaway server. */
export const MAX_PLAY_AUDIO_BYTES = 4 * 1024 * 1024;
/** Longest mark name kept; a longer one is a broken server, not a label. */
export const MAX_MARK_NAME = 256;
/** Highest WAV rate taken as audio rather than a broken header. */
const MAX_WAV_RATE = 192_000;
const MAX_BASE64_CHARS = Math.ceil(MAX_PLAY_AUDIO_BYTES / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const playAudioData = z.object({
  audioContent: z.unknown(),
  audioContentType: z.unknown(),
  sampleRate: z.unknown().optional(),
  id: z.union([z.string().max(MAX_MARK_NAME), z.number()]).optional(),
  queuePlay: z.boolean().optional(),
});
const markData = z.object({ name: z.string().min(1).max(MAX_MARK_NAME) });

type Parsed = { command: ListenCommand } | { violation: CommandViolation };

/** Parses one text frame from the application server. Never throws. */
export function parseCommand(text: string, byteOrder: ByteOrder): Parsed {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { violation: 'not_json' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { violation: 'not_an_object' };
  }
  const { type, data } = message as { type?: unknown; data?: unknown };
  switch (type) {
    case 'playAudio':
      return parsePlayAudio(data, byteOrder);
    case 'mark': {
      const parsed = markData.safeParse(data);
      return parsed.success
        ? { command: { type: 'mark', name: parsed.data.name } }
        : { violation: 'mark_invalid' };
    }
    case 'killAudio':
    case 'clearMarks':
    case 'disconnect':
    case 'error':
      return { command: { type } };
    case 'transcription':
    case 'transfer':
    case 'json':
      return { command: { type: 'ignored' } };
    default:
      return { violation: 'unknown_type' };
  }
}

function parsePlayAudio(data: unknown, byteOrder: ByteOrder): Parsed {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { violation: 'play_audio_no_data' };
  }
  const parsed = playAudioData.safeParse(data);
  if (!parsed.success) return { violation: 'play_audio_bad_field' };
  const { audioContent, audioContentType, sampleRate, id, queuePlay } = parsed.data;
  if (typeof audioContent !== 'string' || audioContent === '') {
    return { violation: 'play_audio_content' };
  }
  if (audioContent.length > MAX_BASE64_CHARS) return { violation: 'play_audio_too_big' };
  if (audioContent.length % 4 !== 0 || !BASE64.test(audioContent)) {
    return { violation: 'play_audio_content' };
  }
  const bytes = Buffer.from(audioContent, 'base64');
  const base = { type: 'playAudio' as const, id, queuePlay: queuePlay ?? false };
  if (audioContentType === 'raw') {
    // mod_audio_fork reads the rate as a JSON number: a string or an unlisted rate plays at
    // 16 kHz, the wrong speed (docs/protocols.md §5.4).
    if (typeof sampleRate !== 'number' || !PLAY_SAMPLE_RATES.includes(sampleRate)) {
      return { violation: 'play_audio_sample_rate' };
    }
    if (bytes.length < 2) return { violation: 'play_audio_content' };
    const whole = bytes.subarray(0, bytes.length - (bytes.length % 2));
    return { command: { ...base, pcm: reorderL16(whole, byteOrder, 'le'), rate: sampleRate } };
  }
  if (audioContentType === 'wav' || audioContentType === 'wave') {
    try {
      const wav = parseWav(bytes);
      const first = wav.samples[0];
      if (
        first === undefined ||
        first.length === 0 ||
        !(wav.sampleRate > 0) ||
        wav.sampleRate > MAX_WAV_RATE
      ) {
        return { violation: 'play_audio_bad_wav' };
      }
      return { command: { ...base, pcm: packL16(first, 'le'), rate: wav.sampleRate } };
    } catch {
      // parseWav names what is wrong (AudioDataError); any failure is the same violation.
      return { violation: 'play_audio_bad_wav' };
    }
  }
  return { violation: 'play_audio_content_type' };
}
