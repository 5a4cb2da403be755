import type { Config, Target } from '../config/load.ts';
import { genesysUrls } from '../config/genesys-regions.ts';
import { createBotConnectorProber } from './genesys-bot-connector.ts';
import { createCognigyRestProber } from './cognigy-rest.ts';
import { createCxoneExchangeProber } from './cxone-exchange.ts';
import { createGenesysRestProber } from './genesys-rest.ts';
import { createHttpProber } from './http-prober.ts';
import { createWebSocketProtocol } from './websocket.ts';
import { createGenesysNotificationsProtocol } from './genesys-notifications.ts';
import { createCognigySocketProtocol } from './cognigy-socket.ts';
import { createAudiohookProtocol } from './audiohook.ts';
import { createListenProtocol } from './voicegateway-listen.ts';
import { DEFAULT_BACKOFF, type BackoffSettings } from '../runtime/backoff.ts';
import type { SessionProtocol } from './session/types.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/**
 * How a target is probed: request/response kinds run one cycle per interval; persistent kinds
 * keep a session open and reconnect when it drops.
 */
export type TargetProber =
  | { mode: 'cycle'; prober: Prober }
  | { mode: 'session'; protocol: SessionProtocol; backoff: BackoffSettings };

/** Builds the prober for a target; the `kind` switch is the registry of every prober kind. */
export function createTargetProber(target: Target, config: Config, deps: ProberDeps): TargetProber {
  switch (target.kind) {
    case 'http':
      return cycle(createHttpProber(target, deps));
    case 'genesys-rest': {
      const credential = config.credentials[target.credential];
      if (credential?.type !== 'genesys') {
        throw new Error(`target ${target.name}: credential is not of type genesys`);
      }
      return cycle(createGenesysRestProber(target, deps, genesysUrls(credential).apiUrl));
    }
    case 'cognigy-rest':
      return cycle(createCognigyRestProber(target, deps));
    case 'genesys-bot-connector':
      return cycle(createBotConnectorProber(target, deps));
    case 'cxone-exchange':
      return cycle(createCxoneExchangeProber(target, deps));
    case 'websocket':
      return session(createWebSocketProtocol(target, deps), target.reconnect);
    case 'genesys-notifications': {
      const credential = config.credentials[target.credential];
      if (credential?.type !== 'genesys') {
        throw new Error(`target ${target.name}: credential is not of type genesys`);
      }
      const apiUrl = genesysUrls(credential).apiUrl;
      return session(createGenesysNotificationsProtocol(target, deps, apiUrl), target.reconnect);
    }
    case 'cognigy-socket':
      return session(createCognigySocketProtocol(target), target.reconnect);
    case 'audiohook':
      return session(createAudiohookProtocol(target, deps), target.reconnect);
    case 'voicegateway-listen':
      return session(createListenProtocol(target, deps), target.reconnect);
  }
}

function cycle(prober: Prober): TargetProber {
  return { mode: 'cycle', prober };
}

function session(
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

export type { Prober, ProbeResult, ProbeContext, ProbeLog } from './types.ts';

/** The prober of a request/response target (tests and benchmarks drive these directly). */
export function createProber(target: Target, config: Config, deps: ProberDeps): Prober {
  const built = createTargetProber(target, config, deps);
  if (built.mode !== 'cycle')
    throw new Error(`target ${target.name}: ${target.kind} is a session kind`);
  return built.prober;
}
