import { parseConfig, type Config } from '../../src/config/load.ts';
import type { ProberDeps } from '../../src/probers/deps.ts';
import { createTargetProber } from '../../src/probers/index.ts';
import { SessionRunner } from '../../src/probers/session/session-runner.ts';
import type { AudioEvents, SessionEvents } from '../../src/probers/session/types.ts';

/**
 * Every SessionEvents and AudioEvents member, named once (the `satisfies` fails to compile when
 * src/probers/session/types.ts gains or loses one). Tests and benches build their event objects
 * here, so a change to those interfaces is a change to this file only.
 */
const SESSION_EVENT_NAMES = Object.keys({
  connected: true,
  connectFailed: true,
  ping: true,
  pingLost: true,
  heartbeat: true,
  heartbeatMissed: true,
  turn: true,
  healthy: true,
  closed: true,
  reconnecting: true,
} satisfies Record<keyof SessionEvents, true>) as (keyof SessionEvents)[];

const AUDIO_EVENT_NAMES = Object.keys({
  frameSent: true,
  frameReceived: true,
  loss: true,
  turnLatency: true,
  eventLatency: true,
  quality: true,
  violation: true,
} satisfies Record<keyof AudioEvents, true>) as (keyof AudioEvents)[];

/** Event name → the arguments of one call. */
type Listener<Name extends string> = (type: Name, args: unknown[]) => void;

/** An events object whose every member calls `listener`, except those given in `overrides`. */
function calling<Events extends object>(
  names: readonly (keyof Events & string)[],
  listener: Listener<keyof Events & string>,
  overrides: Partial<Events>,
): Events {
  const events = Object.fromEntries(
    names.map((type) => [
      type,
      (...args: unknown[]) => {
        listener(type, args);
      },
    ]),
  ) as unknown as Events;
  return { ...events, ...overrides };
}

/** SessionEvents whose every member calls `listener`, except those given in `overrides`. */
export function sessionEvents(
  listener: Listener<keyof SessionEvents> = () => undefined,
  overrides: Partial<SessionEvents> = {},
): SessionEvents {
  return calling(SESSION_EVENT_NAMES, listener, overrides);
}

/** AudioEvents whose every member calls `listener`, except those given in `overrides`. */
export function audioEvents(
  listener: Listener<keyof AudioEvents> = () => undefined,
  overrides: Partial<AudioEvents> = {},
): AudioEvents {
  return calling(AUDIO_EVENT_NAMES, listener, overrides);
}

/** SessionEvents that ignore everything but `overrides`. */
export function noopSessionEvents(overrides: Partial<SessionEvents> = {}): SessionEvents {
  return sessionEvents(undefined, overrides);
}

/** AudioEvents that ignore everything but `overrides`. */
export function noopAudioEvents(overrides: Partial<AudioEvents> = {}): AudioEvents {
  return audioEvents(undefined, overrides);
}

/** SessionEvents and AudioEvents that record every call, in order, for assertions. */
export function recordingEvents() {
  const log: { type: keyof SessionEvents; detail: unknown[] }[] = [];
  const audioLog: { type: keyof AudioEvents; detail: unknown[] }[] = [];
  const events = sessionEvents((type, detail) => log.push({ type, detail }));
  const audio = audioEvents((type, detail) => audioLog.push({ type, detail }));
  const of = (type: keyof SessionEvents) =>
    log.filter((entry) => entry.type === type).map((entry) => entry.detail);
  const ofAudio = (type: keyof AudioEvents) =>
    audioLog.filter((entry) => entry.type === type).map((entry) => entry.detail);
  return { events, audio, of, ofAudio, log, audioLog };
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
  return runSessionTarget(await parseConfig(yaml, 'session.yml', env), recorder, deps);
}

/** Runs the first target of `config` in a SessionRunner (quiet log, short back-off by default). */
export function runSessionTarget(
  config: Config,
  recorder: RecordedEvents,
  deps: ProberDeps,
  backoff: { initialMs: number; maxMs: number } = { initialMs: 50, maxMs: 200 },
): SessionRunner {
  const target = config.targets[0];
  if (target === undefined) throw new Error('no target in the config');
  const built = createTargetProber(target, config, deps);
  if (built.mode !== 'session') throw new Error(`${target.kind} is not a session kind`);
  const runner = new SessionRunner(
    built.protocol,
    recorder.events,
    recorder.audio,
    () => ({ info: () => undefined, error: () => undefined, flush: () => undefined }),
    { ...backoff, stableAfterMs: 60_000 },
  );
  runner.start();
  return runner;
}
