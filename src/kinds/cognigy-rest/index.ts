import { createCognigyRestProber } from '../../probers/cognigy-rest.ts';
import type { KindModule } from '../kind.ts';
import { cognigyRestTraits, type CognigyRestTarget } from './schema.ts';

/** `kind: cognigy-rest` — one bot turn through a Cognigy REST endpoint. */
export const cognigyRestKind: KindModule<CognigyRestTarget> = {
  kind: 'cognigy-rest',
  traits: cognigyRestTraits,
  create: (target, { deps }) => ({ mode: 'cycle', prober: createCognigyRestProber(target, deps) }),
  // The prober posts to <url>/<URL token>; the token is the endpoint's credential.
  endpoint: (target) => ({
    url: target.url,
    method: 'POST',
    protocol: 'http',
    secretPathSuffix: true,
  }),
};
