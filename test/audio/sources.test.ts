import { describe, expect, it } from 'vitest';
import { rmsDbfs } from '../../src/audio/level.ts';
import {
  silenceSource,
  talkThenSilenceSource,
  toneSource,
  wavSource,
  type FrameSource,
} from '../../src/audio/sources.ts';
import type { WavAudio } from '../../src/audio/wav.ts';

const RATE = 8000;
const FRAME = 160;

/** Reads frames until the source ends (or `limit` frames), returning each frame's channels. */
function drain(source: FrameSource, limit = 1000): Int16Array[][] {
  const frames: Int16Array[][] = [];
  for (let frame = source.nextFrame(); frame && frames.length < limit; frame = source.nextFrame()) {
    frames.push(frame);
  }
  return frames;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const mono = (frame: Int16Array[] | undefined): Int16Array => frame?.[0] ?? new Int16Array(0);

describe('toneSource', () => {
  it.each([-3, -20, -40])('generates a sine that measures %i dBFS', (level) => {
    const source = toneSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      frequencyHz: 1000,
      levelDbfs: level,
    });
    // 20 ms of 1 kHz is exactly 20 cycles, so the RMS is exact up to rounding.
    expect(rmsDbfs(mono(source.nextFrame()))).toBeCloseTo(level, 1);
  });

  it('joins frames without a phase jump', () => {
    const options = { sampleRate: RATE, frequencyHz: 437, levelDbfs: -10 };
    const small = drain(toneSource({ ...options, samplesPerFrame: 160 }), 10).map(mono);
    const big = mono(toneSource({ ...options, samplesPerFrame: 1600 }).nextFrame());
    expect(Array.from(concat(small))).toEqual(Array.from(big));
  });

  it('starts at startPosition, continuing the phase of a tone cut anywhere', () => {
    const options = { sampleRate: RATE, frequencyHz: 437, levelDbfs: -10 };
    const whole = mono(toneSource({ ...options, samplesPerFrame: 1000 }).nextFrame());
    const tail = toneSource({ ...options, samplesPerFrame: 300, startPosition: 700 });
    expect(Array.from(mono(tail.nextFrame()))).toEqual(Array.from(whole.subarray(700)));
    expect(tail.position).toBe(1000);
    const timed = toneSource({
      ...options,
      samplesPerFrame: FRAME,
      startPosition: 5,
      durationMs: 10,
    });
    expect(drain(timed).map((frame) => mono(frame).length)).toEqual([80]);
    expect(() => toneSource({ ...options, samplesPerFrame: FRAME, startPosition: -1 })).toThrow(
      RangeError,
    );
  });

  it('copies the tone to every channel and tracks the position', () => {
    const source = toneSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      channels: 2,
      frequencyHz: 440,
      levelDbfs: -6,
    });
    const frame = source.nextFrame();
    expect(frame).toHaveLength(2);
    expect(Array.from(frame?.[1] ?? [])).toEqual(Array.from(frame?.[0] ?? []));
    expect(source.position).toBe(FRAME);
    expect(source).toMatchObject({ sampleRate: RATE, channels: 2, samplesPerFrame: FRAME });
  });

  it('ends after durationMs with a short last frame', () => {
    const source = toneSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      frequencyHz: 440,
      levelDbfs: -6,
      durationMs: 50,
    });
    expect(drain(source).map((frame) => mono(frame).length)).toEqual([160, 160, 80]);
    expect(source.nextFrame()).toBeUndefined();
    expect(source.position).toBe(400);
  });

  it.each([
    [{ frequencyHz: 440, levelDbfs: 1 }],
    [{ frequencyHz: 4000, levelDbfs: -6 }],
    [{ frequencyHz: 0, levelDbfs: -6 }],
    [{ frequencyHz: 440, levelDbfs: -6, samplesPerFrame: 0 }],
    [{ frequencyHz: 440, levelDbfs: -6, channels: 0 }],
    [{ frequencyHz: 440, levelDbfs: -6, durationMs: -1 }],
  ])('rejects %j', (bad) => {
    expect(() => toneSource({ sampleRate: RATE, samplesPerFrame: FRAME, ...bad })).toThrow(
      RangeError,
    );
  });
});

describe('silenceSource', () => {
  it('produces zeros, endlessly without a duration', () => {
    const frames = drain(
      silenceSource({ sampleRate: RATE, samplesPerFrame: FRAME, channels: 2 }),
      50,
    );
    expect(frames).toHaveLength(50);
    expect(
      frames.every((frame) => frame.length === 2 && frame.every((c) => c.every((x) => x === 0))),
    ).toBe(true);
  });

  it('ends after durationMs', () => {
    expect(
      drain(silenceSource({ sampleRate: RATE, samplesPerFrame: FRAME, durationMs: 200 })),
    ).toHaveLength(10);
  });
});

describe('wavSource', () => {
  const wav: WavAudio = {
    sampleRate: RATE,
    channels: 2,
    encoding: 'pcm16',
    samples: [
      Int16Array.from({ length: 400 }, (_, i) => i),
      Int16Array.from({ length: 400 }, (_, i) => -i),
    ],
  };

  it('plays the file once in frames, the last one short', () => {
    const source = wavSource(wav, { samplesPerFrame: FRAME });
    const frames = drain(source);
    expect(frames.map((frame) => mono(frame).length)).toEqual([160, 160, 80]);
    expect(frames[2]?.[1]?.[79]).toBe(-399);
    expect(source).toMatchObject({ sampleRate: RATE, channels: 2, position: 400 });
  });

  it('loops when asked', () => {
    const source = wavSource(wav, { samplesPerFrame: 300, loop: true });
    source.nextFrame();
    const second = mono(source.nextFrame());
    expect(second[99]).toBe(399);
    expect(second[100]).toBe(0);
    expect(drain(source, 20)).toHaveLength(20);
  });

  it('refuses to loop an empty file', () => {
    const empty: WavAudio = { ...wav, samples: [new Int16Array(0), new Int16Array(0)] };
    expect(() => wavSource(empty, { samplesPerFrame: FRAME, loop: true })).toThrow(RangeError);
    expect(wavSource(empty, { samplesPerFrame: FRAME }).nextFrame()).toBeUndefined();
  });
});

describe('talkThenSilenceSource', () => {
  it('talks for utteranceMs, then is silent for silenceMs, then ends', () => {
    const source = talkThenSilenceSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      utteranceMs: 100,
      silenceMs: 200,
    });
    expect(source.utteranceEndPosition).toBe(800);
    const levels = drain(source).map((frame) => rmsDbfs(mono(frame)));
    expect(levels).toHaveLength(15);
    expect(Math.min(...levels.slice(0, 5))).toBeGreaterThan(-25);
    expect(levels.slice(5)).toEqual(Array<number>(10).fill(-Infinity));
  });

  it('ends the utterance inside a frame when it is not a whole number of frames', () => {
    const source = talkThenSilenceSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      utteranceMs: 90,
      silenceMs: 30,
    });
    const frames = drain(source).map(mono);
    expect(frames.map((frame) => frame.length)).toEqual([160, 160, 160, 160, 160, 160]);
    const boundary = frames[4] ?? new Int16Array(0);
    expect(boundary.subarray(0, 80).some((x) => x !== 0)).toBe(true);
    expect(boundary.subarray(80).every((x) => x === 0)).toBe(true);
  });

  it('can talk with WAV audio, looped and copied to every channel', () => {
    const talk: WavAudio = {
      sampleRate: RATE,
      channels: 1,
      encoding: 'pcm16',
      samples: [Int16Array.of(5, 6, 7)],
    };
    const source = talkThenSilenceSource({
      sampleRate: RATE,
      samplesPerFrame: 8,
      channels: 2,
      utteranceMs: 1,
      silenceMs: 1,
      talk,
    });
    const frames = drain(source);
    expect(frames.map((frame) => Array.from(frame[1] ?? []))).toEqual([
      [5, 6, 7, 5, 6, 7, 5, 6],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ]);
  });

  it('uses a custom tone', () => {
    const source = talkThenSilenceSource({
      sampleRate: RATE,
      samplesPerFrame: FRAME,
      utteranceMs: 20,
      silenceMs: 0,
      talk: { frequencyHz: 1000, levelDbfs: -30 },
    });
    expect(rmsDbfs(mono(source.nextFrame()))).toBeCloseTo(-30, 1);
    expect(source.nextFrame()).toBeUndefined();
  });

  it('rejects a WAV that does not fit the stream', () => {
    const talk: WavAudio = {
      sampleRate: 16000,
      channels: 1,
      encoding: 'pcm16',
      samples: [Int16Array.of(1)],
    };
    const base = { sampleRate: RATE, samplesPerFrame: FRAME, utteranceMs: 100, silenceMs: 100 };
    expect(() => talkThenSilenceSource({ ...base, talk })).toThrow(/16000 Hz/);
    expect(() =>
      talkThenSilenceSource({
        ...base,
        talk: { ...talk, sampleRate: RATE, channels: 3, samples: [] },
      }),
    ).toThrow(/3 channels/);
    expect(() =>
      talkThenSilenceSource({
        ...base,
        talk: { ...talk, sampleRate: RATE, samples: [new Int16Array(0)] },
      }),
    ).toThrow(/no samples/);
  });
});
