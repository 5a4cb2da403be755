import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { AUDIO_TARGETS } from './targets/audio.ts';

/** Issue 9: ISO durations, WAV files and codecs from peers (fixed seed; see bench/fuzz.ts). */
describe('fuzz: audio parsers and codecs', () => {
  for (const target of AUDIO_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 300);
    });
  }
});
