import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { NOTIFICATIONS_LIVE_TARGETS } from './targets/notifications-live.ts';

/** Issue 9: Genesys channel answers and frames through a live session (fixed seed; bench/fuzz.ts). */
describe('fuzz: Genesys Notifications channel answers and frames', () => {
  for (const target of NOTIFICATIONS_LIVE_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 40);
    });
  }
});
