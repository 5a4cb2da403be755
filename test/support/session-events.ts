import { parseConfig, type Target } from '../../src/config/load.ts';
import type { ProbeEvent } from '../../src/events/probe-event.ts';
import { kindOf } from '../../src/kinds/registry.ts';
import type { ProberDeps } from '../../src/probers/deps.ts';
import { SessionRunner } from '../../src/runtime/session-runner.ts';

type EventType = ProbeEvent['type'];
type EventOf<T extends EventType> = Extract<ProbeEvent, { type: T }>;

/** Each event's payload as a tuple, in the order assertions read it. */
const PAYLOAD: { [T in EventType]: (event: EventOf<T>) => unknown[] } = {
  cycle_started: (event) => [event.timeoutSeconds],
  cycle_ended: (event) => [event.result],
  cycle_cancelled: () => [],
  cycle_scheduled: (event) => [event.nextAtMs],
  attempt_started: () => [],
  connected: (event) => [event.phases],
  connect_failed: (event) => [event.reason, event.httpStatus, event.message],
  ping: (event) => [event.layer, event.rttSeconds],
  ping_lost: (event) => [event.layer],
  heartbeat: (event) => [event.gapSeconds],
  heartbeat_missed: () => [],
  turn: (event) => [event.firstResponseSeconds, event.turnSeconds, event.ok, event.reason],
  health: (event) => [event.healthy, event.detail],
  closed: (event) => [event.end, event.sessionSeconds],
  reconnecting: (event) => [event.reason, event.delaySeconds],
  stopped: () => [],
  frame_sent: (event) => [event.lateSeconds],
  frame_received: (event) => [event.deviationSeconds, event.jitterSeconds],
  loss: ({ lost, late, gaps, gapSeconds }) => [{ lost, late, gaps, gapSeconds }],
  turn_latency: (event) => [event.seconds],
  event_latency: (event) => [event.seconds],
  quality: (event) => [event.rFactor, event.mos],
  violation: (event) => [event.kind],
  log: (event) => [event.level, event.message, event.fields],
};

/**
 * A target's event pipeline that records every event, in order, for assertions: `emit` goes
 * where the runtime would pass its pipeline; `of(type)` lists each event of a type as the tuple
 * of its payload (e.g. `of('closed')` → `[end, sessionSeconds][]`); `events` keeps them whole.
 */
export function recordingEvents() {
  const events: ProbeEvent[] = [];
  const emit = (event: ProbeEvent): void => {
    events.push(event);
  };
  const of = (type: EventType): unknown[][] =>
    events
      .filter((event) => event.type === type)
      .map((event) => (PAYLOAD[type] as (event: ProbeEvent) => unknown[])(event));
  return { emit, events, of };
}

export type RecordedEvents = ReturnType<typeof recordingEvents>;

/**
 * Builds the first target of a YAML config and runs it in a SessionRunner with a short back-off.
 * `env` feeds ${VAR} substitution; `deps` supplies token sources.
 */
export async function startSessionTarget(
  yaml: string,
  recorder: RecordedEvents,
  deps: ProberDeps,
  env: Record<string, string> = {},
): Promise<SessionRunner> {
  const { target, config } = await firstTarget(yaml, env);
  const built = kindOf(target).create(target, { config, deps });
  if (built.mode !== 'session') throw new Error(`${target.kind} is not a session kind`);
  const runner = new SessionRunner(built.protocol, recorder.emit, {
    initialMs: 50,
    maxMs: 200,
    stableAfterMs: 60_000,
  });
  runner.start();
  return runner;
}

/** The first target of a YAML config, parsed as the exporter does, with its config. */
export async function firstTarget(yaml: string, env: Record<string, string> = {}) {
  const config = await parseConfig(yaml, 'session.yml', env);
  const target: Target | undefined = config.targets[0];
  if (target === undefined) throw new Error('no target in the YAML');
  return { target, config };
}
