import type { KindTraits } from './kind-traits.ts';

/** What timing needs of a target's kind, passed in by the caller. */
type TimingTraits = Pick<KindTraits, 'mode' | 'botTurns' | 'interval'>;

/** Kinds that time one synthetic bot turn per probe (docs/protocols.md §4, §5.1, §6). */
function isBotTurnPerProbe(traits: TimingTraits): boolean {
  return traits.botTurns && traits.mode === 'cycle';
}

/** The defaults timing depends on; passed in so this module has no runtime import of the schema. */
export interface TimingDefaults {
  intervalMs: number;
  timeoutMs: number;
  botBudgetMs: number;
  /** The platforms' own bot response timeout: the floor of a bot kind's default timeout. */
  botTimeoutMs: number;
}

/** The fields of a target its timing depends on. */
export interface TimedTarget {
  kind: string;
  interval?: number | undefined;
  timeout?: number | undefined;
  budget?: number | undefined;
}

/** What the global section says about timing, as given by the user. */
export interface GlobalTiming {
  interval?: number | undefined;
  timeout?: number | undefined;
}

/** A target's effective interval and timeout, or why they do not fit together. */
export interface Timing {
  interval: number;
  timeout: number;
  /** Set when the config is invalid: the field to blame and a message saying how to fix it. */
  problem?: { field: 'interval' | 'timeout'; message: string };
}

/**
 * The one place a target's interval and timeout are resolved; the schema check and the loader
 * both call it. Non-bot kinds: target, then global, then built-in default; the timeout must not
 * exceed the interval.
 *
 * Bot kinds wait for a turn as long as the platform does (docs/protocols.md §4.1: the Digital
 * Bot Connector "Bot Response Timeout" defaults to 30 s), so their default timeout is the largest
 * of the global timeout, the turn budget and the platform's bot timeout. A global interval
 * shorter than that caps it (the user chose that cadence for every target); a target's own
 * interval shorter than that is an error unless the target also sets its timeout.
 */
export function resolveTiming(
  target: TimedTarget,
  traits: TimingTraits,
  global: GlobalTiming | undefined,
  defaults: TimingDefaults,
): Timing {
  const ownInterval = 'interval' in target ? target.interval : undefined;
  const interval = ownInterval ?? global?.interval ?? defaults.intervalMs;
  const globalTimeout = global?.timeout ?? defaults.timeoutMs;
  const botKind = isBotTurnPerProbe(traits);
  if (target.timeout !== undefined || !botKind) {
    const timeout = target.timeout ?? globalTimeout;
    // Every kind that runs on an interval is checked against its effective one, defaulted or
    // not (issue 9): a timeout longer than the interval cannot run. Session kinds without an
    // interval (a WebSocket kept open) have nothing to check.
    if (!traits.interval || timeout <= interval) {
      return { interval, timeout };
    }
    const inherited = [
      ...(target.timeout === undefined ? ['timeout'] : []),
      ...(ownInterval === undefined ? ['interval'] : []),
    ];
    return {
      interval,
      timeout,
      problem: {
        field: target.timeout !== undefined || ownInterval === undefined ? 'timeout' : 'interval',
        message:
          `timeout (${timeout} ms) must not exceed interval (${interval} ms)` +
          (inherited.length === 0
            ? ''
            : ` (${inherited.join(' and ')} from global or the defaults)`),
      },
    };
  }
  const budget = 'budget' in target && target.budget !== undefined ? target.budget : undefined;
  const wanted = Math.max(globalTimeout, budget ?? defaults.botBudgetMs, defaults.botTimeoutMs);
  if (ownInterval === undefined) return { interval, timeout: Math.min(wanted, interval) };
  if (wanted <= ownInterval) return { interval, timeout: wanted };
  return {
    interval,
    timeout: wanted,
    problem: {
      field: 'interval',
      message:
        `interval (${ownInterval} ms) is shorter than the ${wanted} ms a ${target.kind} turn may ` +
        `take by default (the platform's own bot timeout is ${defaults.botTimeoutMs} ms): ` +
        'set interval to at least that, or set timeout on this target',
    },
  };
}
