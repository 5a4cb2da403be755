import { describe, expect, it } from 'vitest';
import { GENESYS_REGIONS, genesysUrls } from '../../src/config/genesys-regions.ts';

describe('genesysUrls', () => {
  it('derives login and API hosts from the region', () => {
    expect(genesysUrls({ region: 'eu_central_1' })).toEqual({
      loginUrl: 'https://login.mypurecloud.de',
      apiUrl: 'https://api.mypurecloud.de',
    });
  });

  it('prefers explicit URLs and strips trailing slashes', () => {
    expect(
      genesysUrls({ login_url: 'http://127.0.0.1:1/', api_url: 'http://127.0.0.1:2//' }),
    ).toEqual({ loginUrl: 'http://127.0.0.1:1', apiUrl: 'http://127.0.0.1:2' });
    expect(genesysUrls({ region: 'us_east_1', api_url: 'http://api.test' })).toEqual({
      loginUrl: 'https://login.mypurecloud.com',
      apiUrl: 'http://api.test',
    });
  });

  it('throws for an unknown region when a URL has to be derived', () => {
    expect(() => genesysUrls({ region: 'mars_north_1' })).toThrow(/unknown Genesys region/);
    expect(() => genesysUrls({})).toThrow(/unknown Genesys region/);
  });

  it('knows every region by a bare domain', () => {
    for (const domain of Object.values(GENESYS_REGIONS)) {
      expect(domain).toMatch(/^[a-z0-9.-]+\.[a-z]+$/);
    }
  });
});
