import { AudioDataError } from './errors.ts';

/** Wire encodings the audio probers speak: G.711 µ-law (AudioHook) and 16-bit linear PCM. */
export type AudioFormat = 'PCMU' | 'L16';

/** Byte order of L16 samples on the wire. */
export type ByteOrder = 'le' | 'be';

// G.711 µ-law on the 16-bit scale: magnitudes are clipped, biased by 0x84 so every segment
// boundary is a power of two, then coded as sign + 3-bit segment + 4-bit mantissa, inverted.
const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

const MULAW_DECODE = buildMulawDecodeTable();

function buildMulawDecodeTable(): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code += 1) {
    const inverted = ~code & 0xff;
    const segment = (inverted >> 4) & 0x07;
    const mantissa = inverted & 0x0f;
    const magnitude = (((mantissa << 3) + MULAW_BIAS) << segment) - MULAW_BIAS;
    table[code] = inverted & 0x80 ? -magnitude : magnitude;
  }
  return table;
}

function mulawFromLinear(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), MULAW_CLIP) + MULAW_BIAS;
  // Segment = position of the highest set bit above bit 7 (magnitude is at most 0x7fff here).
  const segment = Math.max(0, 31 - Math.clz32(magnitude) - 7);
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | mantissa) & 0xff;
}

/**
 * Encodes 16-bit linear samples to G.711 µ-law, one byte per sample. 0 → 0xFF,
 * −32768 → 0x00, 32767 → 0x80; magnitudes above 32635 are clipped as G.711 prescribes.
 */
export function encodeMulaw(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = mulawFromLinear(samples[i] ?? 0);
  return out;
}

/** Decodes G.711 µ-law bytes to 16-bit linear samples (0xFF and 0x7F both → 0). */
export function decodeMulaw(data: Uint8Array): Int16Array {
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i += 1) out[i] = MULAW_DECODE[data[i] ?? 0xff] ?? 0;
  return out;
}

/**
 * Packs 16-bit samples as L16 bytes. Little-endian by default: the AudioHook reference reads
 * L16 through a host-endian `Int16Array` (little-endian on x86/ARM) and jambonz sends
 * little-endian PCM; RFC 3551 L16 would be `'be'`.
 */
export function packL16(samples: Int16Array, order: ByteOrder = 'le'): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) {
    if (order === 'le') out.writeInt16LE(samples[i] ?? 0, i * 2);
    else out.writeInt16BE(samples[i] ?? 0, i * 2);
  }
  return out;
}

/**
 * Unpacks L16 bytes to samples (little-endian by default, see {@link packL16}).
 * @throws AudioDataError `ERR_AUDIO_FRAME_INVALID` when the byte count is odd.
 */
export function unpackL16(data: Uint8Array, order: ByteOrder = 'le'): Int16Array {
  if (data.length % 2 !== 0) {
    throw new AudioDataError(
      'ERR_AUDIO_FRAME_INVALID',
      `L16 data must have an even number of bytes, got ${data.length}`,
    );
  }
  // A DataView copes with payloads that do not start on a 2-byte boundary of their buffer.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Int16Array(data.length / 2);
  const littleEndian = order === 'le';
  for (let i = 0; i < out.length; i += 1) out[i] = view.getInt16(i * 2, littleEndian);
  return out;
}

/**
 * Rewrites L16 bytes from one byte order to another (a copy; the input is untouched). The same
 * order returns an unchanged copy. An odd trailing byte is copied as is: it is no whole sample.
 */
export function reorderL16(data: Uint8Array, from: ByteOrder, to: ByteOrder): Buffer {
  const out = Buffer.from(data);
  if (from === to) return out;
  for (let i = 0; i + 1 < out.length; i += 2) {
    const first = out[i] ?? 0;
    out[i] = out[i + 1] ?? 0;
    out[i + 1] = first;
  }
  return out;
}

/**
 * Interleaves per-channel samples (L R L R …). For AudioHook stereo, channel 0 is `external`
 * (customer) and channel 1 is `internal` (agent).
 * @throws RangeError when there are no channels or their lengths differ.
 */
export function interleave(channels: readonly Int16Array[]): Int16Array {
  const first = channels[0];
  if (first === undefined) throw new RangeError('interleave needs at least one channel');
  if (channels.length === 1) return first.slice();
  const length = first.length;
  if (channels.some((channel) => channel.length !== length)) {
    throw new RangeError(
      `interleave needs channels of equal length, got ${channels.map((c) => c.length).join('/')}`,
    );
  }
  const count = channels.length;
  const out = new Int16Array(length * count);
  channels.forEach((channel, c) => {
    for (let i = 0; i < length; i += 1) out[i * count + c] = channel[i] ?? 0;
  });
  return out;
}

/**
 * Splits interleaved samples into one array per channel.
 * @throws RangeError when `channels` is not a positive integer.
 * @throws AudioDataError `ERR_AUDIO_FRAME_INVALID` when the sample count is not a multiple of
 *   `channels`.
 */
export function deinterleave(samples: Int16Array, channels: number): Int16Array[] {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  }
  if (samples.length % channels !== 0) {
    throw new AudioDataError(
      'ERR_AUDIO_FRAME_INVALID',
      `${samples.length} samples cannot be split into ${channels} channels`,
    );
  }
  const length = samples.length / channels;
  const out = Array.from({ length: channels }, () => new Int16Array(length));
  out.forEach((channel, c) => {
    for (let i = 0; i < length; i += 1) channel[i] = samples[i * channels + c] ?? 0;
  });
  return out;
}

/** Bytes per sample per channel: 1 for PCMU, 2 for L16. */
export function bytesPerSample(format: AudioFormat): 1 | 2 {
  return format === 'PCMU' ? 1 : 2;
}

/**
 * Samples per channel in a frame of `frameMs` milliseconds at `rate` Hz (8000 Hz, 20 ms → 160).
 * @throws RangeError when the frame does not hold a whole number of samples.
 */
export function samplesPerFrame(rate: number, frameMs: number): number {
  if (!(rate > 0) || !(frameMs > 0)) {
    throw new RangeError(`rate and frameMs must be positive, got ${rate} Hz and ${frameMs} ms`);
  }
  const exact = (rate * frameMs) / 1000;
  const samples = Math.round(exact);
  if (Math.abs(exact - samples) > 1e-9 || samples < 1) {
    throw new RangeError(`${frameMs} ms at ${rate} Hz is not a whole number of samples`);
  }
  return samples;
}

/**
 * Wire size of one frame, in bytes: samples per channel × channels × bytes per sample.
 * PCMU 8 kHz mono 20 ms → 160; AudioHook's 200 ms stereo PCMU frame → 3200.
 * @throws RangeError for a non-positive channel count or a fractional sample count.
 */
export function bytesPerFrame(
  format: AudioFormat,
  rate: number,
  channels: number,
  frameMs: number,
): number {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`channels must be a positive integer, got ${channels}`);
  }
  return samplesPerFrame(rate, frameMs) * channels * bytesPerSample(format);
}

/** Interleaves per-channel samples and encodes them as one wire payload. */
export function encodeFrame(
  format: AudioFormat,
  channels: readonly Int16Array[],
  order: ByteOrder = 'le',
): Buffer {
  const samples = interleave(channels);
  return format === 'PCMU' ? encodeMulaw(samples) : packL16(samples, order);
}

/**
 * Decodes one wire payload into per-channel samples.
 * @throws AudioDataError `ERR_AUDIO_FRAME_INVALID` when the size does not fit the format.
 */
export function decodeFrame(
  format: AudioFormat,
  data: Uint8Array,
  channels: number,
  order: ByteOrder = 'le',
): Int16Array[] {
  const samples = format === 'PCMU' ? decodeMulaw(data) : unpackL16(data, order);
  return deinterleave(samples, channels);
}
