import type { Config, Credential, Target } from '../config/load.ts';
import type { ProberDeps } from '../probers/deps.ts';
import type { SessionProtocol } from '../probers/session/types.ts';
import type { Prober } from '../probers/types.ts';
import type { KindTraits } from '../config/kind-traits.ts';

/** Where a target's probes go, for its spans: computed from the config, never the wire. */
export interface TargetEndpoint {
  /** The URL as configured (the tracing attributes redact it); absent when it is not known. */
  url?: string;
  /** The HTTP method of request/response kinds. */
  method?: string;
  /** `network.protocol.name`. */
  protocol: 'http' | 'websocket' | 'socket.io';
  /** A part of the URL path that is itself a credential and must never be shown. */
  secretPathSuffix?: boolean;
}

/** Reconnect back-off settings, in milliseconds. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** A session that lived this long resets the back-off. */
  stableAfterMs: number;
}

/** How a target is probed, built by its kind. */
export type TargetProber =
  | { mode: 'cycle'; prober: Prober }
  | { mode: 'session'; protocol: SessionProtocol; backoff: BackoffSettings };

/** What a kind may use to build a prober. */
export interface KindContext {
  config: Config;
  deps: ProberDeps;
}

/**
 * One kind of target: its traits, how to build its prober and where it points. The registry
 * (./registry.ts) lists the modules, ./schemas.ts the schemas the config is built from (the same
 * kinds in the same order, test/kinds/kind-names.test.ts checks); nothing else in cxprobe
 * switches on a kind.
 */
export interface KindModule<T extends Target = Target> {
  readonly kind: T['kind'];
  readonly traits: KindTraits;
  create(target: T, context: KindContext): TargetProber;
  endpoint(target: T, config: Config): TargetEndpoint;
}

export const DEFAULT_BACKOFF: BackoffSettings = {
  initialMs: 1_000,
  maxMs: 60_000,
  stableAfterMs: 60_000,
};

/** A session kind's prober, with the target's `reconnect` settings over the defaults. */
export function sessionProber(
  protocol: SessionProtocol,
  reconnect: { initial?: number; max?: number; stable_after?: number } | undefined,
): TargetProber {
  return {
    mode: 'session',
    protocol,
    backoff: {
      initialMs: reconnect?.initial ?? DEFAULT_BACKOFF.initialMs,
      maxMs: reconnect?.max ?? DEFAULT_BACKOFF.maxMs,
      stableAfterMs: reconnect?.stable_after ?? DEFAULT_BACKOFF.stableAfterMs,
    },
  };
}

/** The Genesys credential a target names (the schema has checked it is one). */
export function genesysCredential(
  config: Config,
  name: string,
): Extract<Credential, { type: 'genesys' }> {
  const credential = config.credentials[name];
  if (credential?.type !== 'genesys') throw new Error(`credential ${name} is not of type genesys`);
  return credential;
}
