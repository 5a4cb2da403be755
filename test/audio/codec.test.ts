import { describe, expect, it } from 'vitest';
import {
  bytesPerFrame,
  decodeFrame,
  decodeMulaw,
  deinterleave,
  encodeFrame,
  encodeMulaw,
  interleave,
  packL16,
  samplesPerFrame,
  unpackL16,
  type AudioFormat,
} from '../../src/audio/codec.ts';
import { AudioDataError } from '../../src/audio/errors.ts';

const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('G.711 µ-law', () => {
  it.each([
    [0, 0xff],
    [1, 0xff],
    [-1, 0x7f],
    [-32768, 0x00],
    [32767, 0x80],
    [120, 0xf0],
    [132, 0xef],
  ])('encodes %i as 0x%s', (sample, code) => {
    expect(encodeMulaw(Int16Array.of(sample))[0]).toBe(code);
  });

  it.each([
    [0xff, 0],
    [0x7f, 0],
    [0x00, -32124],
    [0x80, 32124],
    [0xf0, 120],
    [0xef, 132],
  ])('decodes 0x%s as %i', (code, sample) => {
    expect(decodeMulaw(Uint8Array.of(code))[0]).toBe(sample);
  });

  it('round-trips every 16-bit sample within half a quantisation step', () => {
    const decoded = decodeMulaw(encodeMulaw(ALL_SAMPLES));
    for (let i = 0; i < ALL_SAMPLES.length; i += 1) {
      const x = ALL_SAMPLES[i] ?? 0;
      const error = Math.abs(x - (decoded[i] ?? 0));
      // Steps are 8 × 2^segment on the 16-bit scale: ≤ 8 near zero, ≈ 3–4 % of the value above.
      const bound = Math.abs(x) > 32635 ? 32768 - 32124 : Math.max(8, 0.043 * Math.abs(x));
      if (error > bound) expect.fail(`sample ${x} decoded with error ${error} > ${bound}`);
    }
  });

  it('is symmetric around zero', () => {
    const positive = Int16Array.from({ length: 32767 }, (_, i) => i + 1);
    const negative = positive.map((x) => -x);
    const a = decodeMulaw(encodeMulaw(positive));
    const b = decodeMulaw(encodeMulaw(negative));
    expect(Array.from(b)).toEqual(Array.from(a, (x) => 0 - x));
  });

  it('re-encodes every decoded code to itself (except negative zero 0x7F → 0xFF)', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const again = encodeMulaw(decodeMulaw(codes));
    for (let code = 0; code < 256; code += 1) {
      expect(again[code]).toBe(code === 0x7f ? 0xff : code);
    }
  });
});

describe('L16', () => {
  const samples = Int16Array.of(0x0102, -2, 0, 32767, -32768);
  const le = [0x02, 0x01, 0xfe, 0xff, 0x00, 0x00, 0xff, 0x7f, 0x00, 0x80];
  const be = [0x01, 0x02, 0xff, 0xfe, 0x00, 0x00, 0x7f, 0xff, 0x80, 0x00];

  it.each([
    ['le', le],
    ['be', be],
  ] as const)('packs and unpacks %s', (order, bytes) => {
    expect(Array.from(packL16(samples, order))).toEqual(bytes);
    expect(Array.from(unpackL16(Uint8Array.from(bytes), order))).toEqual(Array.from(samples));
  });

  it('defaults to little-endian both ways', () => {
    expect(Array.from(packL16(samples))).toEqual(le);
    expect(Array.from(unpackL16(Uint8Array.from(le)))).toEqual(Array.from(samples));
  });

  it('reads a payload that starts at an odd offset of its buffer', () => {
    const buffer = Uint8Array.from([0xaa, ...le]);
    expect(Array.from(unpackL16(buffer.subarray(1)))).toEqual(Array.from(samples));
  });

  it('rejects an odd number of bytes', () => {
    expect(() => unpackL16(Uint8Array.of(1, 2, 3))).toThrow(AudioDataError);
    expect(() => unpackL16(Uint8Array.of(1, 2, 3))).toThrow(/even number of bytes, got 3/);
  });
});

describe('stereo interleaving', () => {
  const left = Int16Array.of(1, 2, 3);
  const right = Int16Array.of(10, 20, 30);

  it('interleaves channel 0 first (AudioHook external, internal)', () => {
    expect(Array.from(interleave([left, right]))).toEqual([1, 10, 2, 20, 3, 30]);
  });

  it('deinterleaves back', () => {
    const [a, b] = deinterleave(Int16Array.of(1, 10, 2, 20, 3, 30), 2);
    expect(Array.from(a ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(b ?? [])).toEqual([10, 20, 30]);
  });

  it('passes mono through as a copy', () => {
    const mono = interleave([left]);
    expect(Array.from(mono)).toEqual([1, 2, 3]);
    expect(mono).not.toBe(left);
  });

  it('rejects mismatched or missing channels', () => {
    expect(() => interleave([left, Int16Array.of(1)])).toThrow(RangeError);
    expect(() => interleave([])).toThrow(RangeError);
    expect(() => deinterleave(Int16Array.of(1, 2, 3), 2)).toThrow(AudioDataError);
    expect(() => deinterleave(Int16Array.of(1, 2), 0)).toThrow(RangeError);
  });
});

describe('frame geometry', () => {
  it.each([
    ['PCMU', 8000, 1, 20, 160],
    ['L16', 8000, 1, 20, 320],
    ['PCMU', 8000, 1, 200, 1600],
    ['PCMU', 8000, 2, 200, 3200],
    ['L16', 8000, 1, 200, 3200],
    ['L16', 8000, 2, 200, 6400],
    ['L16', 16000, 1, 20, 640],
    ['L16', 48000, 2, 10, 1920],
  ] as const)('%s %i Hz × %i ch × %i ms = %i bytes', (format, rate, channels, ms, bytes) => {
    expect(bytesPerFrame(format, rate, channels, ms)).toBe(bytes);
  });

  it('rejects frames that are not a whole number of samples', () => {
    expect(() => samplesPerFrame(11025, 20)).toThrow(/not a whole number of samples/);
    expect(() => bytesPerFrame('PCMU', 8000, 0, 20)).toThrow(RangeError);
    expect(() => samplesPerFrame(0, 20)).toThrow(RangeError);
  });
});

describe('encodeFrame / decodeFrame', () => {
  const external = Int16Array.of(1000, -1000, 5000);
  const internal = Int16Array.of(-7, 8, 0);

  it.each<[AudioFormat, 'le' | 'be']>([
    ['L16', 'le'],
    ['L16', 'be'],
  ])('%s %s round-trips stereo exactly', (format, order) => {
    const wire = encodeFrame(format, [external, internal], order);
    expect(wire.length).toBe(12);
    const [a, b] = decodeFrame(format, wire, 2, order);
    expect(Array.from(a ?? [])).toEqual(Array.from(external));
    expect(Array.from(b ?? [])).toEqual(Array.from(internal));
  });

  it('PCMU stereo is one byte per sample, interleaved', () => {
    const wire = encodeFrame('PCMU', [external, internal]);
    expect(wire.length).toBe(6);
    expect(wire[1]).toBe(encodeMulaw(internal)[0]);
    const [a] = decodeFrame('PCMU', wire, 2);
    expect(Array.from(a ?? [])).toEqual(Array.from(decodeMulaw(encodeMulaw(external))));
  });
});
