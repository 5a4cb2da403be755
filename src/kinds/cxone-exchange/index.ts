import type { Target } from '../../config/load.ts';
import { createCxoneExchangeProber } from '../../probers/cxone-exchange.ts';
import type { KindModule } from '../kind.ts';

type CxoneExchangeTarget = Extract<Target, { kind: 'cxone-exchange' }>;

/** `kind: cxone-exchange` — one turn through a CXone Bot Exchange endpoint. */
export const cxoneExchangeKind: KindModule<CxoneExchangeTarget> = {
  kind: 'cxone-exchange',
  traits: { mode: 'cycle', botTurns: true, audio: false },
  create: (target, { deps }) => ({
    mode: 'cycle',
    prober: createCxoneExchangeProber(target, deps),
  }),
  endpoint: (target) => ({ url: target.url, method: 'POST', protocol: 'http' }),
};
