import type { ByteOrder } from '../../../audio/codec.ts';
import { DEFAULT_BURST_MS, DEFAULT_SILENCE_MS } from '../../core/audio/audio-frames.ts';

/** The subprotocol jambonz deployments offer, accepted by default (docs/protocols.md §5.4). */
export const LISTEN_SUBPROTOCOL = 'audio.jambonz.org';
/** mod_audio_fork's own default subprotocol, the only one `@jambonz/sdk` servers accept. */
export const DRACHTIO_SUBPROTOCOL = 'audio.drachtio.org';
/** Modes of `?mode=`: echo frames, stream a burst after silence, or answer with `playAudio`. */
export const LISTEN_MODES = ['echo', 'stream', 'play'] as const;
/** `?then=`: a command sent right after each bot turn, so its pending mark or clip is cut. */
export const LISTEN_FOLLOW_UPS = ['clearMarks', 'killAudio'] as const;

type ListenMode = (typeof LISTEN_MODES)[number];

/** A follow-up command of `?then=`. */
export type ListenFollowUp = (typeof LISTEN_FOLLOW_UPS)[number];

/** How one `listen` session answers, from the query of its URL. */
export interface SessionSetup {
  mode: ListenMode;
  silenceMs: number;
  burstMs: number;
  subprotocol: string;
  byteOrder: ByteOrder;
  then: ListenFollowUp | undefined;
}

/** Reads the session setup from the query, or says what is wrong with it. */
export function parseSetup(url: URL): SessionSetup | string {
  const mode = url.searchParams.get('mode') ?? 'echo';
  if (!(LISTEN_MODES as readonly string[]).includes(mode)) {
    return `mode must be one of ${LISTEN_MODES.join(', ')}`;
  }
  const number = (name: string, fallback: number): number | undefined => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    return Number.isInteger(value) && value > 0 && value <= 600_000 ? value : undefined;
  };
  const silenceMs = number('silence_ms', DEFAULT_SILENCE_MS);
  const burstMs = number('burst_ms', DEFAULT_BURST_MS);
  if (silenceMs === undefined || burstMs === undefined) {
    return 'silence_ms and burst_ms must be positive integers (ms)';
  }
  const subprotocol = url.searchParams.get('subprotocol') ?? LISTEN_SUBPROTOCOL;
  if (subprotocol !== LISTEN_SUBPROTOCOL && subprotocol !== DRACHTIO_SUBPROTOCOL) {
    return `subprotocol must be ${LISTEN_SUBPROTOCOL} or ${DRACHTIO_SUBPROTOCOL}`;
  }
  const order = url.searchParams.get('byte_order') ?? 'little';
  if (order !== 'little' && order !== 'big') return 'byte_order must be little or big';
  const then = url.searchParams.get('then') ?? undefined;
  if (then !== undefined && !(LISTEN_FOLLOW_UPS as readonly string[]).includes(then)) {
    return `then must be one of ${LISTEN_FOLLOW_UPS.join(', ')}`;
  }
  return {
    mode: mode as ListenMode,
    silenceMs,
    burstMs,
    subprotocol,
    byteOrder: order === 'big' ? 'be' : 'le',
    then: then as ListenFollowUp | undefined,
  };
}
