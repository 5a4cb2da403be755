import type { Config, Target } from '../../src/config/load.ts';
import { kindOf } from '../../src/kinds/registry.ts';
import type { TargetProber } from '../../src/kinds/kind.ts';
import type { ProberDeps } from '../../src/probers/deps.ts';
import type { Prober } from '../../src/probers/types.ts';

/** Builds a target's prober through its kind, as the runtime does. */
export function createTargetProber(target: Target, config: Config, deps: ProberDeps): TargetProber {
  return kindOf(target).create(target, { config, deps });
}

/** The prober of a request/response target (tests and benchmarks drive these directly). */
export function createProber(target: Target, config: Config, deps: ProberDeps): Prober {
  const built = createTargetProber(target, config, deps);
  if (built.mode !== 'cycle')
    throw new Error(`target ${target.name}: ${target.kind} is a session kind`);
  return built.prober;
}
