import { parseConfig } from '../../src/config/load.ts';
import type { ProberDeps } from '../../src/probers/deps.ts';
import { createTargetProber } from '../../src/probers/index.ts';
import { SessionRunner } from '../../src/probers/session/session-runner.ts';
import type { AudioEvents, SessionEvents } from '../../src/probers/session/types.ts';

/** A SessionEvents that records every call, in order, for assertions. */
export function recordingEvents() {
  const log: { type: keyof SessionEvents; detail: unknown[] }[] = [];
  const push =
    (type: keyof SessionEvents) =>
    (...args: unknown[]) => {
      log.push({ type, detail: args });
    };
  const events: SessionEvents = {
    connected: push('connected'),
    connectFailed: push('connectFailed'),
    ping: push('ping'),
    pingLost: push('pingLost'),
    heartbeat: push('heartbeat'),
    heartbeatMissed: push('heartbeatMissed'),
    turn: push('turn'),
    healthy: push('healthy'),
    closed: push('closed'),
    reconnecting: push('reconnecting'),
  };
  const audioLog: { type: keyof AudioEvents; detail: unknown[] }[] = [];
  const pushAudio =
    (type: keyof AudioEvents) =>
    (...args: unknown[]) => {
      audioLog.push({ type, detail: args });
    };
  const audio: AudioEvents = {
    frameSent: pushAudio('frameSent'),
    frameReceived: pushAudio('frameReceived'),
    loss: pushAudio('loss'),
    turnLatency: pushAudio('turnLatency'),
    eventLatency: pushAudio('eventLatency'),
    quality: pushAudio('quality'),
    violation: pushAudio('violation'),
  };
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
  const config = await parseConfig(yaml, 'session.yml', env);
  const target = config.targets[0];
  if (target === undefined) throw new Error('no target in the YAML');
  const built = createTargetProber(target, config, deps);
  if (built.mode !== 'session') throw new Error(`${target.kind} is not a session kind`);
  const runner = new SessionRunner(
    built.protocol,
    recorder.events,
    recorder.audio,
    () => ({ info: () => undefined, error: () => undefined, flush: () => undefined }),
    { initialMs: 50, maxMs: 200, stableAfterMs: 60_000 },
  );
  runner.start();
  return runner;
}
