import fc from 'fast-check';
import {
  decodeFrame,
  decodeMulaw,
  encodeMulaw,
  packL16,
  reorderL16,
  unpackL16,
  type AudioFormat,
  type ByteOrder,
} from '../../../src/audio/codec.ts';
import { formatIsoDuration, parseIsoDuration } from '../../../src/audio/duration.ts';
import { AudioDataError } from '../../../src/audio/errors.ts';
import { parseWav } from '../../../src/audio/wav.ts';
import { outcome, ensure, ensureOneOf, fuzzTarget, type FuzzTarget } from '../target.ts';

/**
 * Audio inputs from outside: ISO-8601 durations AudioHook servers send (`retryAfter`,
 * `discardTo`, event offsets), WAV files (`source: wav`, jambonz `playAudio` with wav content)
 * and the codecs every received frame goes through.
 */

const isoDurationText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'PT0S',
    'PT12.4S',
    'PT.5S',
    'PT1H',
    'PT1M2.5S',
    'PT99999999S',
    `PT${'9'.repeat(400)}S`,
    `PT${'9'.repeat(400)}H`,
    'PT',
    'P1D',
    'PT-1S',
    'pt1s',
    'PT1.5H',
    ' PT1S',
    'PT1e3S',
    'PTNaNS',
    'PTInfinityS',
  ),
  fc
    .tuple(
      fc.option(
        fc.nat().map((n) => `${n}H`),
        { nil: '' },
      ),
      fc.option(
        fc.nat().map((n) => `${n}M`),
        { nil: '' },
      ),
      fc.option(
        fc
          .oneof(fc.nat().map(String), fc.double({ min: 0, noNaN: true }).map(String))
          .map((n) => `${n}S`),
        { nil: '' },
      ),
    )
    .map((parts) => `PT${parts.join('')}`),
  fc.string({ maxLength: 20 }),
);

const RIFF_IDS = ['RIFF', 'WAVE', 'fmt ', 'data', 'LIST', 'fact', 'JUNK'] as const;

/** A RIFF/WAVE file with random chunk order, sizes (lies included) and fmt fields. */
const wavFile: fc.Arbitrary<Uint8Array> = fc
  .record({
    chunks: fc.array(
      fc.record({
        id: fc.constantFrom(...RIFF_IDS),
        declared: fc.oneof(fc.nat(64), fc.constantFrom(0xffffffff, 0x7fffffff, 16, 18, 40)),
        formatTag: fc.constantFrom(1, 7, 3, 0xfffe, 0),
        subFormat: fc.constantFrom(1, 7, 3),
        channels: fc.oneof(fc.constantFrom(0, 1, 2, 65_535), fc.nat(0xffff)),
        sampleRate: fc.oneof(fc.constantFrom(0, 8000, 0xffffffff), fc.nat()),
        blockAlign: fc.oneof(fc.constantFrom(0, 1, 2, 4), fc.nat(0xffff)),
        bits: fc.constantFrom(8, 16, 24, 0),
        body: fc.uint8Array({ maxLength: 64 }),
      }),
      { maxLength: 5 },
    ),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ chunks, cut }) => {
    const parts: Buffer[] = [Buffer.from('RIFF\0\0\0\0WAVE', 'latin1')];
    for (const chunk of chunks) {
      const header = Buffer.alloc(8);
      header.write(chunk.id, 0, 'latin1');
      header.writeUInt32LE(chunk.declared, 4);
      let body = Buffer.from(chunk.body);
      if (chunk.id === 'fmt ') {
        const fmt = Buffer.alloc(40);
        fmt.writeUInt16LE(chunk.formatTag, 0);
        fmt.writeUInt16LE(chunk.channels, 2);
        fmt.writeUInt32LE(chunk.sampleRate, 4);
        fmt.writeUInt16LE(chunk.blockAlign, 12);
        fmt.writeUInt16LE(chunk.bits, 14);
        fmt.writeUInt16LE(chunk.subFormat, 24);
        body = fmt.subarray(0, Math.min(40, chunk.declared));
      }
      parts.push(header, body);
    }
    const file = Buffer.concat(parts);
    return cut === undefined ? file : file.subarray(0, cut % (file.length + 1));
  });

/** Any bytes at an odd offset of a shared buffer, as `ws` hands out frame payloads. */
const unalignedBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.uint8Array({ maxLength: 400 }), fc.nat(3))
  .map(([bytes, offset]) => {
    const backing = Buffer.alloc(bytes.length + offset);
    backing.set(bytes, offset);
    return backing.subarray(offset);
  });

const orders: fc.Arbitrary<ByteOrder> = fc.constantFrom('le', 'be');

export const AUDIO_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'audio.parseIsoDuration',
    arbitrary: isoDurationText,
    check(text: string) {
      const result = outcome(() => parseIsoDuration(text), AudioDataError);
      if ('error' in result) return;
      // A duration from a peer becomes a timer or a position: never NaN, negative or infinite.
      ensure(
        Number.isFinite(result.value) && result.value >= 0,
        `${JSON.stringify(text.slice(0, 40))} parsed to ${result.value}`,
      );
    },
  }),
  fuzzTarget({
    name: 'audio.formatIsoDuration ↔ parseIsoDuration',
    arbitrary: fc.oneof(
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      fc.nat(),
      fc.constantFrom(0, -0, 1e-10, 0.5e-9),
    ),
    check(seconds: number) {
      const text = formatIsoDuration(seconds);
      const back = parseIsoDuration(text);
      ensure(
        Math.abs(back - seconds) <= 5e-10 * Math.max(1, seconds),
        `${seconds} → ${text} → ${back}`,
      );
    },
  }),
  fuzzTarget({
    name: 'audio.parseWav',
    arbitrary: fc.oneof(wavFile, fc.uint8Array({ maxLength: 200 }), unalignedBytes),
    check(file: Uint8Array) {
      const result = outcome(() => parseWav(file), AudioDataError);
      if ('error' in result) {
        const code = result.error instanceof AudioDataError ? result.error.code : undefined;
        ensureOneOf(code, ['ERR_WAV_INVALID'], 'error code');
        return;
      }
      const wav = result.value;
      ensure(wav.channels >= 1 && wav.samples.length === wav.channels, 'channel count mismatch');
      ensure(wav.sampleRate >= 1, `sample rate ${wav.sampleRate}`);
      const length = wav.samples[0]?.length ?? 0;
      ensure(
        wav.samples.every((channel) => channel.length === length),
        'channels of different lengths',
      );
    },
  }),
  fuzzTarget({
    name: 'audio.codec µ-law and L16 round trips',
    arbitrary: fc.tuple(unalignedBytes, orders),
    check([bytes, order]: [Uint8Array, ByteOrder]) {
      // µ-law: decode → encode → decode is stable (0x7F and 0xFF both mean 0).
      const linear = decodeMulaw(bytes);
      ensure(
        decodeMulaw(encodeMulaw(linear)).every((sample, i) => sample === linear[i]),
        'µ-law decode/encode/decode changed a sample',
      );
      // L16: unpack ↔ pack is exact for whole samples; reordering twice is the identity.
      const whole = bytes.subarray(0, bytes.length - (bytes.length % 2));
      ensure(
        packL16(unpackL16(whole, order), order).equals(Buffer.from(whole)),
        'L16 unpack/pack changed the bytes',
      );
      const other: ByteOrder = order === 'le' ? 'be' : 'le';
      ensure(
        reorderL16(reorderL16(bytes, order, other), other, order).equals(Buffer.from(bytes)),
        'reordering twice is not the identity',
      );
    },
  }),
  fuzzTarget({
    name: 'audio.decodeFrame (received payloads)',
    arbitrary: fc.tuple(
      unalignedBytes,
      fc.constantFrom<AudioFormat>('PCMU', 'L16'),
      fc.constantFrom(1, 2),
      orders,
    ),
    check([bytes, format, channels, order]: [Uint8Array, AudioFormat, number, ByteOrder]) {
      const result = outcome(() => decodeFrame(format, bytes, channels, order), AudioDataError);
      if ('error' in result) return;
      ensure(result.value.length === channels, 'wrong channel count');
    },
  }),
];
