import { describe, expect, it } from 'vitest';
import {
  CallerTurns,
  channelZeroDbfs,
  durationMs,
  isoDuration,
  toneFrame,
  type AudioLayout,
} from '../../../../src/simulator/core/audio/audio-frames.ts';

const PCMU: AudioLayout = { encoding: 'PCMU', rate: 8000, channels: 1 };
const L16_STEREO: AudioLayout = { encoding: 'L16', rate: 8000, channels: 2 };

describe('audio codec helpers', () => {
  it('measures channel 0 in dBFS and media duration from sample counts', () => {
    expect(channelZeroDbfs(Buffer.alloc(1600, 0xff), PCMU)).toBe(-Infinity);
    const tone = toneFrame(PCMU, 1600, 0, 440, 0.25);
    expect(tone).toHaveLength(1600);
    // A sine's RMS is its peak over √2: 0.25 / √2 ≈ -15 dBFS.
    expect(channelZeroDbfs(tone, PCMU)).toBeCloseTo(-15, 0);
    expect(durationMs(1600, PCMU)).toBe(200);
    expect(durationMs(6400, L16_STEREO)).toBe(200);

    // Channel 1 loud, channel 0 silent: the caller (channel 0) is silent.
    const stereo = Buffer.alloc(640);
    for (let i = 0; i < 160; i++) stereo.writeInt16LE(20_000, i * 4 + 2);
    expect(channelZeroDbfs(stereo, L16_STEREO)).toBe(-Infinity);
  });

  it('formats ISO-8601 durations', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(2000)).toBe('PT2S');
    expect(isoDuration(1234.5)).toBe('PT1.235S');
    expect(isoDuration(200)).toBe('PT0.2S');
  });

  it('finds a turn only after speech followed by enough silence', () => {
    // 200 ms PCMU frames: digital silence, speech at about -15 dBFS, a murmur at about -53.
    const silence = Buffer.alloc(1600, 0xff);
    const speech = toneFrame(PCMU, 1600, 0);
    const murmur = toneFrame(PCMU, 1600, 0, 440, 0.003);
    expect(channelZeroDbfs(murmur, PCMU)).toBeLessThan(-50);
    const turns = new CallerTurns(PCMU, 400);
    expect([silence, silence, silence].map((frame) => turns.feed(frame))).toEqual([
      false,
      false,
      false,
    ]);
    expect(turns.feed(speech)).toBe(false);
    expect(turns.feed(murmur)).toBe(false);
    expect(turns.feed(murmur)).toBe(true);
    expect(turns.feed(murmur)).toBe(false);
  });
});
