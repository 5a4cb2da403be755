import type { GenesysRestTarget } from '../kinds/genesys-rest/schema.ts';
import { checkExpectations } from './http/expectations.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import { exchangeToResult } from './http/to-result.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/**
 * `kind: genesys-rest` — an authenticated Genesys Cloud API round trip. The default
 * `GET /api/v2/tokens/me` is what the official SDK uses to test a token: cheap and always allowed.
 * `url` is the region's API host and the target's path (src/kinds/genesys-rest/index.ts).
 */
export function createGenesysRestProber(
  target: GenesysRestTarget,
  deps: ProberDeps,
  url: string,
): Prober {
  const tokens = deps.tokenSource(target.credential);
  return {
    async probe(context) {
      const ca = await deps.readCa(target.tls?.ca_file);
      const exchange = await requestWithCredential(
        {
          url,
          method: 'GET',
          headers: { accept: 'application/json' },
          followRedirects: false,
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
