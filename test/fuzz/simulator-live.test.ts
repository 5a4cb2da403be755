import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { SIMULATOR_LIVE_TARGETS } from './targets/simulator-live.ts';

/** Issue 9: the simulator's notifications socket survives any client frame (fixed seed). */
describe('fuzz: the simulator reads hostile client frames', () => {
  for (const target of SIMULATOR_LIVE_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 60);
    });
  }
});
