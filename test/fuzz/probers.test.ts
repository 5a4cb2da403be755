import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { PROBER_TARGETS } from './targets/probers.ts';

/** Issue 9: every parser of a peer's bytes answers a documented outcome (fixed seed; see bench/fuzz.ts). */
describe('fuzz: inbound message parsers of the probers', () => {
  for (const target of PROBER_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 100);
    });
  }
});
