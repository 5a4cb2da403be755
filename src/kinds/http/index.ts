import { createHttpProber } from '../../probers/http-prober.ts';
import type { KindModule } from '../kind.ts';
import { httpTraits, type HttpTarget } from './schema.ts';

/** `kind: http` — any HTTP(S) endpoint, blackbox_exporter style. */
export const httpKind: KindModule<HttpTarget> = {
  kind: 'http',
  traits: httpTraits,
  create: (target, { deps }) => ({ mode: 'cycle', prober: createHttpProber(target, deps) }),
  endpoint: (target) => ({ url: target.url, method: target.method ?? 'GET', protocol: 'http' }),
};
