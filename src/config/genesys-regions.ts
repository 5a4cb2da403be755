/**
 * Genesys Cloud region keys → domain, from the vendor's platform SDK (PureCloudRegionHosts).
 * Hosts are `login.{domain}` for OAuth and `api.{domain}` for REST.
 */
export const GENESYS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  us_east_1: 'mypurecloud.com',
  us_east_2: 'use2.us-gov-pure.cloud',
  us_west_2: 'usw2.pure.cloud',
  ca_central_1: 'cac1.pure.cloud',
  sa_east_1: 'sae1.pure.cloud',
  mx_central_1: 'mxc1.pure.cloud',
  eu_west_1: 'mypurecloud.ie',
  eu_west_2: 'euw2.pure.cloud',
  eu_central_1: 'mypurecloud.de',
  eu_central_2: 'euc2.pure.cloud',
  me_central_1: 'mec1.pure.cloud',
  ap_south_1: 'aps1.pure.cloud',
  ap_southeast_1: 'apse1.pure.cloud',
  ap_southeast_2: 'mypurecloud.com.au',
  ap_northeast_1: 'mypurecloud.jp',
  ap_northeast_2: 'apne2.pure.cloud',
  ap_northeast_3: 'apne3.pure.cloud',
  eusc_de_east_1: 'edee1.eusc-pure.cloud',
});

/** The login and API base URLs for a region, or the explicit overrides when given. */
export function genesysUrls(options: { region?: string; login_url?: string; api_url?: string }): {
  loginUrl: string;
  apiUrl: string;
} {
  const domain = options.region === undefined ? undefined : GENESYS_REGIONS[options.region];
  const fromDomain = (prefix: string) => {
    if (domain === undefined) throw new Error(`unknown Genesys region "${String(options.region)}"`);
    return `https://${prefix}.${domain}`;
  };
  return {
    loginUrl: stripSlash(options.login_url ?? fromDomain('login')),
    apiUrl: stripSlash(options.api_url ?? fromDomain('api')),
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
