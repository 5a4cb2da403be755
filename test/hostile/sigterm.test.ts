import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_COGNIGY_URL_TOKEN } from '../../src/simulator/core/defaults.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { sampleValue } from '../support/exposition.ts';
import { tempDir } from '../support/files.ts';
import { startRawPeer, type RawPeer } from '../support/raw-ws-peer.ts';
import { eventually } from '../support/wait.ts';
import { frame } from '../support/ws-frames.ts';

const CLI = path.join(import.meta.dirname, '../../bin/cxprobe.js');
const AUDIOHOOK_API_KEY = 'SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh';
const AUDIOHOOK_SECRET = 'TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=';
/** The bound: SIGTERM with hostile peers connected exits within 5 s. */
const EXIT_BOUND_S = 5;

/** A Genesys Notifications API whose channel socket answers the subscribe, then ignores us. */
async function startSilentGenesys(): Promise<RawPeer> {
  const peer = await startRawPeer((connection) => {
    let answered = false;
    connection.socket.on('data', () => {
      if (answered || !connection.texts.some((text) => text.includes('"subscribe"'))) return;
      answered = true;
      connection.write(frame(1, JSON.stringify({ result: '200' })));
    });
  });
  peer.http = (request, response) => {
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (request.url === '/oauth/token') json({ access_token: 'token', expires_in: 3600 });
    else if (request.method === 'POST' && request.url === '/api/v2/notifications/channels') {
      json({
        id: 'channel-1',
        connectUri: `${peer.url}/channels/channel-1`,
        expires: new Date(Date.now() + 23 * 3_600_000).toISOString(),
      });
    } else response.writeHead(request.method === 'HEAD' ? 200 : 404).end();
  };
  return peer;
}

/**
 * Issue 9, "done when": SIGTERM with hostile peers connected exits within 5 s and closes every
 * session. Five session kinds, each against a peer that will not finish a close: raw RFC 6455
 * peers that never answer our close frame (websocket, voicegateway-listen, Genesys
 * Notifications) and the simulator's AudioHook and Cognigy endpoints, stalled after connecting
 * (they stop answering anything, the AudioHook close transaction included).
 */
describe('SIGTERM with hostile peers connected', () => {
  let child: ChildProcess | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('exits 0 within 5 s, having sent every session its close', async () => {
    const websocketPeer = await startRawPeer(() => undefined);
    const listenPeer = await startRawPeer(() => undefined);
    const genesys = await startSilentGenesys();
    const simulator: RunningSimulator = await startSimulator({ port: 0 });
    cleanups.push(
      () => websocketPeer.close(),
      () => listenPeer.close(),
      () => genesys.close(),
      () => simulator.close(),
    );
    const origin = genesys.url.replace('ws:', 'http:');
    const simWs = simulator.url.replace('http', 'ws');
    const dir = await tempDir('sigterm');
    const file = path.join(dir, 'cxprobe.yml');
    await writeFile(
      file,
      `credentials:
  genesys: {type: genesys, login_url: ${origin}, api_url: ${origin}, client_id: probe, client_secret: secret}
targets:
  - name: websocket
    kind: websocket
    url: ${websocketPeer.url}/
    timeout: 2s
    ping: {interval: 0s, timeout: 1s}
  - name: listen
    kind: voicegateway-listen
    url: ${listenPeer.url}/listen
    timeout: 2s
    session_length: 60s
    interval: 120s
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    topics: [v2.users.probe-user.presence]
    subscribe_via: websocket
  - name: audiohook
    kind: audiohook
    url: ${simWs}/api/v1/audioconnector/ws
    api_key: ${AUDIOHOOK_API_KEY}
    client_secret: ${AUDIOHOOK_SECRET}
    timeout: 2s
    session_length: 60s
    interval: 120s
  - name: cognigy
    kind: cognigy-socket
    url: ${simulator.url}
    url_token: ${DEFAULT_COGNIGY_URL_TOKEN}
    interval: 30s
    timeout: 2s
`,
    );
    const output: string[] = [];
    let exit: { code: number | null; at: number } | undefined;
    child = spawn(
      process.execPath,
      [CLI, 'run', `--config.file=${file}`, '--web.listen-address=127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      exit = { code, at: performance.now() };
    });
    const port = await eventually(
      () => Promise.resolve(/address=\S*:(\d+)/.exec(output.join(''))?.[1]),
      15_000,
      'the exporter to listen',
    );
    const targets = ['websocket', 'listen', 'notifications', 'audiohook', 'cognigy'];
    await eventually(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return targets.every(
          (target) => sampleValue(text, 'cxprobe_ws_connected', { target }) === 1,
        );
      },
      15_000,
      'every session connected',
    );
    // The simulator's peers go silent: no pong, no `closed`, no close frame, nothing.
    expect(simulator.wsAction('audiohook', 'stall')).toBeGreaterThanOrEqual(1);
    expect(simulator.wsAction('cognigy_socket', 'stall')).toBeGreaterThanOrEqual(1);

    const signalled = performance.now();
    child.kill('SIGTERM');
    await eventually(() => Promise.resolve(exit !== undefined || undefined), 15_000, 'exit');
    const seconds = ((exit?.at ?? 0) - signalled) / 1000;
    expect(exit?.code).toBe(0);
    expect(seconds).toBeLessThan(EXIT_BOUND_S);
    // Each raw peer was sent our close frame before the process went: sessions were closed,
    // not merely dropped with the process.
    for (const peer of [websocketPeer, listenPeer, genesys]) {
      expect(peer.connections.length).toBeGreaterThanOrEqual(1);
      for (const connection of peer.connections) expect(connection.opcodes).toContain(8);
    }
    expect(output.join('')).toContain('shutting down');
  });
});
