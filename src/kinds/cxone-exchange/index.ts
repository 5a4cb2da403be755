import { createCxoneExchangeProber } from '../../probers/cxone-exchange.ts';
import type { KindModule } from '../kind.ts';
import { cxoneExchangeTraits, type CxoneExchangeTarget } from './schema.ts';

/** `kind: cxone-exchange` — one turn through a CXone Bot Exchange endpoint. */
export const cxoneExchangeKind: KindModule<CxoneExchangeTarget> = {
  kind: 'cxone-exchange',
  traits: cxoneExchangeTraits,
  create: (target, { deps }) => ({
    mode: 'cycle',
    prober: createCxoneExchangeProber(target, deps),
  }),
  endpoint: (target) => ({ url: target.url, method: 'POST', protocol: 'http' }),
};
