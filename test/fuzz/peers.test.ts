import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { PEER_TARGETS } from './targets/peers.ts';

/** Issue 9: the OAuth answer and the simulator's validators of client input (fixed seed). */
describe('fuzz: OAuth token answers and the simulator inbound validators', () => {
  for (const target of PEER_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 100);
    });
  }
});
