import type { HttpTarget } from '../kinds/http/schema.ts';
import { DEFAULTS } from '../config/schema.ts';
import { checkExpectations } from './http/expectations.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import { exchangeToResult } from './http/to-result.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/** `kind: http` — any HTTP endpoint, with phases, expectations, 429 handling and certificate expiry. */
export function createHttpProber(target: HttpTarget, deps: ProberDeps): Prober {
  const tokens = deps.tokenSource(target.credential);
  return {
    async probe(context) {
      const ca = await deps.readCa(target.tls?.ca_file);
      const exchange = await requestWithCredential(
        {
          url: target.url,
          method: target.method ?? 'GET',
          headers: target.headers ?? {},
          ...(target.body === undefined ? {} : { body: target.body }),
          followRedirects: target.follow_redirects ?? true,
          maxRedirects: target.max_redirects ?? DEFAULTS.maxRedirects,
          maxBodyBytes: target.max_body_bytes ?? DEFAULTS.maxBodyBytes,
          insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
          ...(ca === undefined ? {} : { ca }),
        },
        tokens,
        context,
      );
      return exchangeToResult(exchange, (status, body) =>
        checkExpectations(target.expect, status, body),
      );
    },
  };
}
