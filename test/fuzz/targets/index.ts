import type { FuzzTarget } from '../target.ts';
import { AUDIO_TARGETS } from './audio.ts';
import { CONFIG_TARGETS } from './config.ts';
import { NOTIFICATIONS_LIVE_TARGETS } from './notifications-live.ts';
import { PEER_TARGETS } from './peers.ts';
import { PROBER_TARGETS } from './probers.ts';
import { SIMULATOR_LIVE_TARGETS } from './simulator-live.ts';

/** Every fuzz target, in the order BENCHMARKS.md lists them. */
export const ALL_TARGETS: readonly FuzzTarget[] = [
  ...CONFIG_TARGETS,
  ...AUDIO_TARGETS,
  ...PROBER_TARGETS,
  ...NOTIFICATIONS_LIVE_TARGETS,
  ...PEER_TARGETS,
  ...SIMULATOR_LIVE_TARGETS,
];
