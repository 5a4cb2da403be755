import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { decodeMulaw, deinterleave, unpackL16 } from './codec.ts';
import { AudioDataError } from './errors.ts';

/** How the samples were stored in the file (both are decoded to 16-bit linear). */
export type WavEncoding = 'pcm16' | 'mulaw';

/** A decoded WAV file: linear 16-bit samples, one array per channel. */
export interface WavAudio {
  /** Samples per second per channel (Hz), as declared in the `fmt ` chunk. No resampling. */
  sampleRate: number;
  /** Channel count (1 = mono, 2 = stereo, …). */
  channels: number;
  /** Storage encoding in the file. */
  encoding: WavEncoding;
  /** One array per channel, all of the same length (samples per channel). */
  samples: Int16Array[];
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
// Streaming writers (the AudioHook reference among them) leave this size until they close.
const SIZE_UNKNOWN = 0xffffffff;

interface FmtChunk {
  encoding: WavEncoding;
  channels: number;
  sampleRate: number;
  blockAlign: number;
}

function invalid(message: string): AudioDataError {
  return new AudioDataError('ERR_WAV_INVALID', `Invalid WAV file: ${message}`);
}

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

function readFmt(view: DataView, offset: number, size: number): FmtChunk {
  if (size < 16) throw invalid(`fmt chunk is ${size} bytes, needs at least 16`);
  let formatTag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: the real format code is the first two bytes of the SubFormat GUID.
    if (size < 40) throw invalid(`extensible fmt chunk is ${size} bytes, needs 40`);
    formatTag = view.getUint16(offset + 24, true);
  }
  let encoding: WavEncoding;
  let bytes: number;
  if (formatTag === WAVE_FORMAT_PCM && bitsPerSample === 16) {
    encoding = 'pcm16';
    bytes = 2;
  } else if (formatTag === WAVE_FORMAT_MULAW && bitsPerSample === 8) {
    encoding = 'mulaw';
    bytes = 1;
  } else {
    throw invalid(
      `unsupported encoding (format ${formatTag}, ${bitsPerSample} bits); ` +
        'supported: 16-bit PCM (1) and 8-bit µ-law (7)',
    );
  }
  if (channels < 1) throw invalid('fmt chunk declares 0 channels');
  if (sampleRate < 1) throw invalid('fmt chunk declares a sample rate of 0 Hz');
  if (blockAlign !== channels * bytes) {
    throw invalid(`block align ${blockAlign} does not match ${channels} × ${bytes} bytes`);
  }
  return { encoding, channels, sampleRate, blockAlign };
}

/**
 * Parses a RIFF/WAVE file held in memory: 16-bit little-endian PCM or 8-bit µ-law (format 7,
 * also inside WAVE_FORMAT_EXTENSIBLE), any sample rate, any channel count. Unknown chunks
 * (`LIST`, `fact`, …) are skipped; a `data` size of 0xFFFFFFFF (left by streaming writers)
 * means "to the end of the file". Reading the file is left to the caller, so this stays pure.
 * @throws AudioDataError `ERR_WAV_INVALID` naming what is wrong: not RIFF/WAVE, a missing or
 *   short `fmt ` chunk, an unsupported encoding, a missing `data` chunk, or a truncated file.
 */
export function parseWav(file: Uint8Array): WavAudio {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.byteLength < 12) throw invalid(`${file.byteLength} bytes is too short for a header`);
  if (fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE') {
    throw invalid('missing the RIFF/WAVE header');
  }
  let fmt: FmtChunk | undefined;
  let offset = 12;
  while (offset + 8 <= file.byteLength) {
    const id = fourCc(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = file.byteLength - body;
    if (id === 'data') {
      if (fmt === undefined) throw invalid('data chunk comes before the fmt chunk');
      const size = declared === SIZE_UNKNOWN ? available : declared;
      if (size > available) {
        throw invalid(`truncated: data chunk declares ${size} bytes but only ${available} remain`);
      }
      const whole = size - (size % fmt.blockAlign);
      if (whole !== size && declared !== SIZE_UNKNOWN) {
        throw invalid(
          `truncated: data chunk of ${size} bytes is not whole ${fmt.blockAlign}-byte frames`,
        );
      }
      return decodeData(file.subarray(body, body + whole), fmt);
    }
    if (declared > available) {
      throw invalid(
        `truncated: ${JSON.stringify(id)} chunk declares ${declared} bytes but only ${available} remain`,
      );
    }
    if (id === 'fmt ') fmt = readFmt(view, body, declared);
    // RIFF chunks are padded to an even length.
    offset = body + declared + (declared % 2);
  }
  throw invalid(fmt === undefined ? 'no fmt chunk' : 'no data chunk');
}

function decodeData(data: Uint8Array, fmt: FmtChunk): WavAudio {
  // WAV PCM is little-endian whatever the host.
  const interleaved = fmt.encoding === 'mulaw' ? decodeMulaw(data) : unpackL16(data, 'le');
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    encoding: fmt.encoding,
    samples: deinterleave(interleaved, fmt.channels),
  };
}

/** A WAV file cxprobe plays: minutes of 8–16 kHz audio; anything larger is a mistake. */
export const MAX_WAV_BYTES = 64 * 1024 * 1024;

/**
 * Reads and parses a WAV file, refusing what is not a regular file of at most
 * {@link MAX_WAV_BYTES}: a FIFO or a device would block this synchronous read (and the whole
 * event loop) forever. Opened non-blocking and checked on the open descriptor.
 * @throws AudioDataError `ERR_WAV_INVALID`, or the file system's error (ENOENT, EACCES, …)
 */
export function readWavFile(file: string): WavAudio {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw invalid('not a regular file');
    if (stats.size > MAX_WAV_BYTES) throw invalid(`larger than ${String(MAX_WAV_BYTES)} bytes`);
    const data = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < data.length) {
      const read = readSync(fd, data, filled, data.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return parseWav(data.subarray(0, filled));
  } finally {
    closeSync(fd);
  }
}
