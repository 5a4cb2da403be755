import { describe, it } from 'vitest';
import { assertTarget } from './target.ts';
import { CONFIG_TARGETS } from './targets/config.ts';

/** Issue 9: the config loader never throws anything but a ConfigError (fixed seed; see bench/fuzz.ts). */
describe('fuzz: config loader and durations', () => {
  for (const target of CONFIG_TARGETS) {
    it(target.name, async () => {
      await assertTarget(target, 60);
    });
  }
});
