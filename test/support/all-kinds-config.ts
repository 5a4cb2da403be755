import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_COGNIGY_URL_TOKEN } from '../../src/simulator/index.ts';
import {
  GENESYS,
  CXONE,
  AUDIOHOOK_API_KEY,
  AUDIOHOOK_CLIENT_SECRET,
} from './simulator-credentials.ts';

/** Every secret of the config below (environment variables); none may appear in anything exported. */
export const SECRETS: Record<string, string> = {
  TRACE_TEST_GENESYS_SECRET: GENESYS.clientSecret,
  TRACE_TEST_CXONE_SECRET: CXONE.clientSecret,
  TRACE_TEST_COGNIGY_TOKEN: DEFAULT_COGNIGY_URL_TOKEN,
  TRACE_TEST_AUDIOHOOK_KEY: AUDIOHOOK_API_KEY,
  TRACE_TEST_AUDIOHOOK_SECRET: AUDIOHOOK_CLIENT_SECRET,
  TRACE_TEST_LISTEN_PASSWORD: 'listen-pa55word-9d1e',
  TRACE_TEST_URL_PASSWORD: 'url-pa55word-77ab',
  TRACE_TEST_QUERY_KEY: 'query-api-key-5c3f',
};

export const ALL_KINDS = [
  'http',
  'genesys-rest',
  'cognigy-rest',
  'genesys-bot-connector',
  'cxone-exchange',
  'websocket',
  'genesys-notifications',
  'cognigy-socket',
  'audiohook',
  'voicegateway-listen',
];

/** One target of every kind against the simulator; URLs literal, secrets from the environment. */
function configText(sim: string): string {
  const ws = sim.replace(/^http/, 'ws');
  const host = sim.replace(/^http:\/\//, '');
  return `
global:
  interval: 1s
  timeout: 900ms
credentials:
  genesys:
    type: genesys
    login_url: ${sim}
    api_url: ${sim}
    client_id: cxprobe-demo
    client_secret: \${TRACE_TEST_GENESYS_SECRET}
  cxone:
    type: cxone
    token_url: ${sim}/cxone/oauth/token
    client_id: cxprobe-demo-cxone
    client_secret: \${TRACE_TEST_CXONE_SECRET}
    auth_method: client_secret_post
targets:
  - name: health
    kind: http
    url: http://prober:\${TRACE_TEST_URL_PASSWORD}@${host}/api/v2/health/check?api_key=\${TRACE_TEST_QUERY_KEY}&view=full
  - name: api
    kind: genesys-rest
    credential: genesys
  - name: cognigy
    kind: cognigy-rest
    url: ${sim}/cognigy
    url_token: \${TRACE_TEST_COGNIGY_TOKEN}
  - name: bot-connector
    kind: genesys-bot-connector
    url: ${sim}/genesys/bot-connector
    bot_id: trace-bot
  - name: cxone-bot
    kind: cxone-exchange
    url: ${sim}/cxone/exchange
    credential: cxone
    virtual_agent_id: trace-agent
  - name: echo
    kind: websocket
    url: ${ws}/ws/echo
    credential: cxone
    credential_in: query
    ping: { interval: 200ms, timeout: 1s }
    reconnect: { initial: 50ms, max: 200ms, stable_after: 1m }
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    topics: [v2.users.trace.presence]
    ping: { interval: 300ms, timeout: 1s }
  - name: cognigy-socket
    kind: cognigy-socket
    url: ${sim}
    url_token: \${TRACE_TEST_COGNIGY_TOKEN}
    interval: 1s
    timeout: 1s
    transports: [websocket]
  - name: audiohook
    kind: audiohook
    url: ${ws}/api/v1/audioconnector/ws
    api_key: \${TRACE_TEST_AUDIOHOOK_KEY}
    client_secret: \${TRACE_TEST_AUDIOHOOK_SECRET}
    frame_duration: 20ms
    session_length: 1s
    interval: 2s
    timeout: 2s
    echo: true
  - name: listen
    kind: voicegateway-listen
    url: ${ws}/listen?mode=stream
    basic_auth: { username: vg, password: '\${TRACE_TEST_LISTEN_PASSWORD}' }
    frame_duration: 20ms
    session_length: 1s
    interval: 2s
    timeout: 2s
    audio: { source: talk, talk: 300ms, pause: 300ms }
`;
}

export async function writeConfig(sim: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-tracing-'));
  const file = path.join(dir, 'cxprobe.yml');
  await writeFile(file, configText(sim));
  return file;
}
