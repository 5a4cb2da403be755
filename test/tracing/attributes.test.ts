import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { createRedactor } from '../../src/config/redact.ts';
import { kindOf } from '../../src/kinds/registry.ts';
import { targetAttributes, urlAttributes } from '../../src/tracing/attributes.ts';

describe('urlAttributes', () => {
  const none = createRedactor([]);

  it.each([
    ['userinfo', 'https://user:pa55@example.com/x', 'https://example.com/x'],
    ['a user without password', 'https://user@example.com/x', 'https://example.com/x'],
    ['a fragment', 'https://example.com/x#frag', 'https://example.com/x'],
    [
      'credential query parameters',
      'wss://example.com/ws?access_token=t0k&sig=abc&X-Amz-Signature=def&apiKey=k&view=1',
      'wss://example.com/ws?access_token=<redacted>&sig=<redacted>&X-Amz-Signature=<redacted>&apiKey=<redacted>&view=1',
    ],
    ['a non-default port', 'http://127.0.0.1:8080/a?b=c d', 'http://127.0.0.1:8080/a?b=c%20d'],
  ])('drops %s', (_name, raw, full) => {
    expect(urlAttributes(raw, none)['url.full']).toBe(full);
  });

  it('scrubs the config secrets anywhere, and reports address and port', () => {
    const attributes = urlAttributes(
      'https://bots.example.com/hook/s3cr3t-path-token',
      createRedactor(['s3cr3t-path-token']),
    );
    expect(attributes).toEqual({
      'url.full': 'https://bots.example.com/hook/<redacted>',
      'server.address': 'bots.example.com',
      'server.port': 443,
    });
    expect(urlAttributes('ws://[::1]/x', none)).toMatchObject({
      'server.address': '::1',
      'server.port': 80,
    });
  });

  it('gives nothing for something that is not a URL', () => {
    expect(urlAttributes('not a url', none)).toEqual({});
  });
});

describe('targetAttributes', () => {
  const yaml = `
credentials:
  gen:
    type: genesys
    region: eu_central_1
    client_id: id
    client_secret: \${SECRET}
targets:
  - { name: api, kind: genesys-rest, credential: gen }
  - { name: bot, kind: cognigy-rest, url: 'https://endpoint.example.com/', url_token: '\${TOKEN}' }
  - { name: notif, kind: genesys-notifications, credential: gen, topics: [v2.users.x.presence] }
  - { name: sock, kind: cognigy-socket, url: 'https://endpoint.example.com', url_token: '\${TOKEN}' }
  - { name: hook, kind: audiohook, url: 'wss://hook.example.com/ws', api_key: '\${KEY}', client_secret: '\${SECRET}' }
`;

  it('describes each target from its config, never with a credential', async () => {
    const config = await parseConfig(yaml, 'test.yml', {
      SECRET: 'client-secret-value',
      TOKEN: 'url-token-value',
      KEY: 'api-key-value',
    });
    const redact = createRedactor(config.secrets);
    const [api, bot, notifications, socket, hook] = config.targets.map((target) =>
      targetAttributes(target, kindOf(target).endpoint(target, config), redact),
    );
    expect(api).toEqual({
      'cxprobe.target': 'api',
      'cxprobe.kind': 'genesys-rest',
      'url.full': 'https://api.mypurecloud.de/api/v2/tokens/me',
      'server.address': 'api.mypurecloud.de',
      'server.port': 443,
      'http.request.method': 'GET',
      'network.protocol.name': 'http',
    });
    expect(bot?.['url.full']).toBe('https://endpoint.example.com/<redacted>');
    expect(bot?.['http.request.method']).toBe('POST');
    // The channel's connectUri is only known at connect time, and stays out of traces.
    expect(notifications).toEqual({
      'cxprobe.target': 'notif',
      'cxprobe.kind': 'genesys-notifications',
      'network.protocol.name': 'websocket',
    });
    expect(socket?.['network.protocol.name']).toBe('socket.io');
    expect(hook?.['url.full']).toBe('wss://hook.example.com/ws');
    const text = JSON.stringify([api, bot, notifications, socket, hook]);
    for (const secret of ['client-secret-value', 'url-token-value', 'api-key-value'])
      expect(text).not.toContain(secret);
  });
});
