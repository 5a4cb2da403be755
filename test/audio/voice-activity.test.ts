import { describe, expect, it } from 'vitest';
import { dbfsToAmplitude, rmsDbfs } from '../../src/audio/level.ts';
import { silenceSource, toneSource } from '../../src/audio/sources.ts';
import { VoiceActivityDetector } from '../../src/audio/voice-activity.ts';

const RATE = 8000;
const FRAME = 160; // 20 ms

function tone(levelDbfs: number): Int16Array {
  const source = toneSource({
    sampleRate: RATE,
    samplesPerFrame: FRAME,
    frequencyHz: 300,
    levelDbfs,
  });
  return source.nextFrame()?.[0] ?? new Int16Array(0);
}

const SILENCE =
  silenceSource({ sampleRate: RATE, samplesPerFrame: FRAME }).nextFrame()?.[0] ?? new Int16Array(0);

/** Uniform white noise with the given RMS level (deterministic: a linear congruential PRNG). */
function noise(levelDbfs: number): Int16Array {
  // Uniform on [−a, a] has RMS a/√3; a sine of peak p has RMS p/√2.
  const a = (dbfsToAmplitude(levelDbfs) / Math.SQRT2) * Math.sqrt(3);
  let state = 12345;
  return Int16Array.from({ length: FRAME }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.round((state / 2 ** 32) * 2 * a - a);
  });
}

describe('rmsDbfs', () => {
  it('reads a full-scale square wave as +3 dBFS and silence as −Infinity', () => {
    const square = Int16Array.from({ length: FRAME }, (_, i) => (i % 2 === 0 ? 32767 : -32767));
    expect(rmsDbfs(square)).toBeCloseTo(3.01, 2);
    expect(rmsDbfs(SILENCE)).toBe(-Infinity);
    expect(rmsDbfs(new Int16Array(0))).toBe(-Infinity);
  });

  it('reads the same square wave as 0 dB against the full-scale value reference', () => {
    const square = Int16Array.from({ length: FRAME }, (_, i) => (i % 2 === 0 ? 32767 : -32767));
    expect(rmsDbfs(square, 'full-scale-value')).toBeCloseTo(0, 3);
    expect(rmsDbfs(square) - rmsDbfs(square, 'full-scale-value')).toBeCloseTo(3.01, 2);
    expect(rmsDbfs(SILENCE, 'full-scale-value')).toBe(-Infinity);
  });

  it('reads the test noise at its level', () => {
    expect(rmsDbfs(noise(-60))).toBeCloseTo(-60, 0);
  });
});

describe('VoiceActivityDetector', () => {
  it.each([
    ['a −20 dBFS tone', tone(-20), true],
    ['a −39 dBFS tone', tone(-39), true],
    ['digital silence', SILENCE, false],
    ['−60 dBFS noise', noise(-60), false],
    ['a −45 dBFS tone', tone(-45), false],
  ])('%s is speech: %s', (_name, frame, speech) => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE });
    const result = vad.onFrame(frame);
    expect(result.loud).toBe(speech);
    expect(result.started).toBe(speech);
    expect(result.speaking).toBe(speech);
  });

  it('measures against the reference it is given', () => {
    // -38.5 dBFS (AES17) is -41.5 against the full-scale value: speech for one, not the other.
    const frame = tone(-38.5);
    expect(new VoiceActivityDetector({ sampleRate: RATE }).onFrame(frame).loud).toBe(true);
    const other = new VoiceActivityDetector({
      sampleRate: RATE,
      dbfsReference: 'full-scale-value',
    });
    expect(other.onFrame(frame)).toMatchObject({ loud: false });
    expect(other.onFrame(frame).levelDbfs).toBeCloseTo(-41.5, 1);
  });

  it('holds speech through a pause shorter than the hang-over', () => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE, hangoverMs: 200 });
    expect(vad.onFrame(SILENCE).speaking).toBe(false);
    expect(vad.onFrame(tone(-20)).started).toBe(true);
    for (let i = 0; i < 5; i += 1) {
      // 100 ms pause between words
      expect(vad.onFrame(SILENCE)).toMatchObject({ loud: false, speaking: true, ended: false });
    }
    expect(vad.onFrame(tone(-20))).toMatchObject({ started: false, speaking: true });
  });

  it('ends speech once the hang-over has run out (10 × 20 ms = 200 ms)', () => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE, hangoverMs: 200 });
    vad.onFrame(tone(-20));
    const results = Array.from({ length: 12 }, () => vad.onFrame(SILENCE));
    expect(results.map((r) => r.ended)).toEqual([
      ...Array<boolean>(9).fill(false),
      true,
      false,
      false,
    ]);
    expect(results.map((r) => r.speaking)).toEqual([
      ...Array<boolean>(9).fill(true),
      false,
      false,
      false,
    ]);
    expect(vad.speaking).toBe(false);
    expect(vad.onFrame(tone(-20)).started).toBe(true);
  });

  it('ends on the first quiet frame with no hang-over', () => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE, hangoverMs: 0 });
    vad.onFrame(tone(-20));
    expect(vad.onFrame(SILENCE)).toMatchObject({ speaking: false, ended: true });
  });

  it('uses a configurable threshold', () => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE, thresholdDbfs: -70 });
    expect(vad.onFrame(noise(-60)).loud).toBe(true);
  });

  it('reset() returns to silence', () => {
    const vad = new VoiceActivityDetector({ sampleRate: RATE });
    vad.onFrame(tone(-20));
    vad.reset();
    expect(vad.speaking).toBe(false);
    expect(vad.onFrame(tone(-20)).started).toBe(true);
  });

  it('rejects a bad configuration', () => {
    expect(() => new VoiceActivityDetector({ sampleRate: 0 })).toThrow(RangeError);
    expect(() => new VoiceActivityDetector({ sampleRate: RATE, hangoverMs: -1 })).toThrow(
      RangeError,
    );
  });
});
