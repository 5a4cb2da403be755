import type { Target } from '../../config/load.ts';
import { createHttpProber } from '../../probers/http-prober.ts';
import type { KindModule } from '../kind.ts';

type HttpTarget = Extract<Target, { kind: 'http' }>;

/** `kind: http` — any HTTP(S) endpoint, blackbox_exporter style. */
export const httpKind: KindModule<HttpTarget> = {
  kind: 'http',
  traits: { mode: 'cycle', botTurns: false, audio: false },
  create: (target, { deps }) => ({ mode: 'cycle', prober: createHttpProber(target, deps) }),
  endpoint: (target) => ({ url: target.url, method: target.method ?? 'GET', protocol: 'http' }),
};
