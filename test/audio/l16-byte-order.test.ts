import { describe, expect, it } from 'vitest';
import { packL16, reorderL16, unpackL16 } from '../../src/audio/codec.ts';

describe('reorderL16', () => {
  const samples = Int16Array.from([0, 1, -1, 0x1234, -32768, 32767]);

  it('turns little-endian L16 into big-endian and back', () => {
    const little = packL16(samples, 'le');
    const big = reorderL16(little, 'le', 'be');
    expect(big).toEqual(packL16(samples, 'be'));
    expect(unpackL16(big, 'be')).toEqual(samples);
    expect(reorderL16(big, 'be', 'le')).toEqual(little);
  });

  it('copies unchanged for the same order and never touches its input', () => {
    const little = packL16(samples, 'le');
    const before = Buffer.from(little);
    const same = reorderL16(little, 'le', 'le');
    expect(same).toEqual(little);
    expect(same).not.toBe(little);
    reorderL16(little, 'le', 'be');
    expect(little).toEqual(before);
  });

  it('leaves an odd trailing byte where it is', () => {
    expect(reorderL16(Uint8Array.from([1, 2, 3]), 'le', 'be')).toEqual(Buffer.from([2, 1, 3]));
  });
});
