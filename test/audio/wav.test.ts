import { describe, expect, it } from 'vitest';
import { AudioDataError } from '../../src/audio/errors.ts';
import { parseWav } from '../../src/audio/wav.ts';

interface Chunk {
  id: string;
  body: Buffer;
  /** Size to write in the header instead of the real one. */
  declared?: number;
}

/** Builds a RIFF/WAVE file by hand, chunk by chunk, padding odd chunks as RIFF requires. */
function riff(chunks: readonly Chunk[], form = 'WAVE'): Buffer {
  const parts = chunks.map(({ id, body, declared }) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(declared ?? body.length, 4);
    return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
  });
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + parts.reduce((sum, part) => sum + part.length, 0), 4);
  head.write(form, 8, 'latin1');
  return Buffer.concat([head, ...parts]);
}

function fmt(format: number, channels: number, rate: number, bits: number): Chunk {
  const body = Buffer.alloc(16);
  const blockAlign = (channels * bits) / 8;
  body.writeUInt16LE(format, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE(rate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(bits, 14);
  return { id: 'fmt ', body };
}

/** WAVE_FORMAT_EXTENSIBLE wrapping `subFormat` (1 = PCM, 7 = µ-law). */
function fmtExtensible(subFormat: number, channels: number, rate: number, bits: number): Chunk {
  const base = fmt(0xfffe, channels, rate, bits).body;
  const extension = Buffer.alloc(24);
  extension.writeUInt16LE(22, 0); // cbSize
  extension.writeUInt16LE(bits, 2); // valid bits
  extension.writeUInt32LE(channels === 2 ? 3 : 4, 4); // channel mask
  extension.writeUInt16LE(subFormat, 8); // GUID starts with the format code
  Buffer.from('000000001000800000aa00389b71', 'hex').copy(extension, 10);
  return { id: 'fmt ', body: Buffer.concat([base, extension]) };
}

function pcm16(samples: readonly number[]): Buffer {
  const body = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => body.writeInt16LE(sample, i * 2));
  return body;
}

const data = (body: Buffer, declared?: number): Chunk => ({ id: 'data', body, declared });

describe('parseWav', () => {
  it('reads 16-bit PCM mono at 8 kHz', () => {
    const samples = [0, 1000, -1000, 32767, -32768];
    const wav = parseWav(riff([fmt(1, 1, 8000, 16), data(pcm16(samples))]));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    expect(wav.samples).toHaveLength(1);
    expect(Array.from(wav.samples[0] ?? [])).toEqual(samples);
  });

  it('reads 16-bit PCM stereo at 16 kHz into one array per channel', () => {
    const wav = parseWav(riff([fmt(1, 2, 16000, 16), data(pcm16([1, -1, 2, -2, 3, -3]))]));
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 2 });
    expect(wav.samples.map((channel) => Array.from(channel))).toEqual([
      [1, 2, 3],
      [-1, -2, -3],
    ]);
  });

  it('reads µ-law (format 7) with a fact chunk', () => {
    const fact = { id: 'fact', body: Buffer.from([3, 0, 0, 0]) };
    const wav = parseWav(riff([fmt(7, 1, 8000, 8), fact, data(Buffer.from([0xff, 0x00, 0x80]))]));
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1, encoding: 'mulaw' });
    expect(Array.from(wav.samples[0] ?? [])).toEqual([0, -32124, 32124]);
  });

  it('reads µ-law stereo', () => {
    const wav = parseWav(riff([fmt(7, 2, 8000, 8), data(Buffer.from([0xff, 0x80, 0x7f, 0x00]))]));
    expect(wav.samples.map((channel) => Array.from(channel))).toEqual([
      [0, 0],
      [32124, -32124],
    ]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM and µ-law', () => {
    expect(parseWav(riff([fmtExtensible(1, 2, 8000, 16), data(pcm16([5, 6]))])).encoding).toBe(
      'pcm16',
    );
    expect(parseWav(riff([fmtExtensible(7, 1, 8000, 8), data(Buffer.from([0xff]))])).encoding).toBe(
      'mulaw',
    );
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const list = { id: 'LIST', body: Buffer.from('INFOabc', 'latin1') };
    const wav = parseWav(riff([list, fmt(1, 1, 8000, 16), list, data(pcm16([42, 43]))]));
    expect(Array.from(wav.samples[0] ?? [])).toEqual([42, 43]);
  });

  it('reads a streaming file whose data size was never filled in (0xFFFFFFFF)', () => {
    const wav = parseWav(riff([fmt(1, 1, 8000, 16), data(pcm16([7, 8, 9]), 0xffffffff)]));
    expect(Array.from(wav.samples[0] ?? [])).toEqual([7, 8, 9]);
  });

  it('reads from a Uint8Array view into a larger buffer', () => {
    const file = riff([fmt(1, 1, 8000, 16), data(pcm16([300]))]);
    const bigger = new Uint8Array(file.length + 3);
    bigger.set(file, 3);
    expect(Array.from(parseWav(bigger.subarray(3)).samples[0] ?? [])).toEqual([300]);
  });

  const good = riff([fmt(1, 1, 8000, 16), data(pcm16([1, 2, 3, 4]))]);
  const badFmt = fmt(1, 1, 8000, 16);
  badFmt.body.writeUInt16LE(4, 12); // block align 4 for mono 16-bit

  it.each([
    ['an empty file', Buffer.alloc(0), /too short/],
    ['a non-RIFF file', Buffer.from('ID3\u0004 not a wave file at all', 'latin1'), /RIFF\/WAVE/],
    ['a RIFF file of another form', riff([fmt(1, 1, 8000, 16)], 'AVI '), /RIFF\/WAVE/],
    ['a file with no fmt chunk', riff([data(pcm16([1]))]), /before the fmt chunk/],
    ['a file with no chunks', riff([]), /no fmt chunk/],
    ['a file with no data chunk', riff([fmt(1, 1, 8000, 16)]), /no data chunk/],
    ['32-bit float', riff([fmt(3, 1, 8000, 32), data(Buffer.alloc(8))]), /unsupported encoding/],
    ['8-bit PCM', riff([fmt(1, 1, 8000, 8), data(Buffer.alloc(8))]), /unsupported encoding/],
    ['A-law', riff([fmt(6, 1, 8000, 8), data(Buffer.alloc(8))]), /format 6/],
    ['a short fmt chunk', riff([{ id: 'fmt ', body: Buffer.alloc(14) }]), /needs at least 16/],
    ['a wrong block align', riff([badFmt, data(pcm16([1]))]), /block align 4/],
    [
      'a truncated data chunk',
      good.subarray(0, good.length - 3),
      /truncated: data chunk declares 8 bytes but only 5 remain/,
    ],
    [
      'half a sample frame',
      riff([fmt(1, 1, 8000, 16), data(Buffer.alloc(3))]),
      /not whole 2-byte frames/,
    ],
    ['a truncated fmt chunk', good.subarray(0, 30), /truncated: "fmt " chunk/],
  ])('rejects %s with a clear error', (_name, file, message) => {
    expect(() => parseWav(file)).toThrow(AudioDataError);
    expect(() => parseWav(file)).toThrow(message);
    expect(() => parseWav(file)).toThrow(/^Invalid WAV file: /);
  });

  it('gives the stable code ERR_WAV_INVALID', () => {
    try {
      parseWav(Buffer.alloc(4));
      expect.fail('should throw');
    } catch (error) {
      expect((error as AudioDataError).code).toBe('ERR_WAV_INVALID');
    }
  });
});
