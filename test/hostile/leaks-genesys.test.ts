import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { createTargetProber } from '../support/probers.ts';
import { SessionRunner } from '../../src/runtime/session-runner.ts';
import type { SessionEnd } from '../../src/events/probe-event.ts';
import { recordingEvents, type RecordedEvents } from '../support/session-events.ts';
import { depsFor } from '../support/probe-setup.ts';
import { startRawPeer, type RawPeer, type RawPeerConnection } from '../support/raw-ws-peer.ts';
import { eventually, sleep } from '../support/wait.ts';
import { frame } from '../support/ws-frames.ts';

const SOCKET_CLOSING = JSON.stringify({
  topicName: 'v2.system.socket_closing',
  eventBody: { message: 'WebSocket closing' },
});

/**
 * A Genesys Notifications API on loopback (token, channel, HEAD) whose channel socket answers
 * the websocket subscribe and announces `v2.system.socket_closing` (docs/protocols.md §2.3) in
 * the same TCP write or just after it — every time.
 */
async function startClosingGenesys(sameWrite = true): Promise<RawPeer> {
  const peer = await startRawPeer((connection: RawPeerConnection) => {
    const answered = new Set<number>();
    connection.socket.on('data', () => {
      connection.texts.forEach((text, index) => {
        if (answered.has(index) || !text.includes('"subscribe"')) return;
        answered.add(index);
        const answer = frame(1, JSON.stringify({ result: '200' }));
        if (sameWrite) {
          connection.write(Buffer.concat([answer, frame(1, SOCKET_CLOSING)]));
          return;
        }
        connection.write(answer);
        setTimeout(() => {
          connection.write(frame(1, SOCKET_CLOSING));
        }, 20);
      });
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
    } else if (request.method === 'HEAD') response.writeHead(200).end();
    else response.writeHead(404).end();
  };
  return peer;
}

async function runNotifications(
  origin: string,
  recorder: RecordedEvents,
  backoff: { initialMs: number; maxMs: number },
): Promise<SessionRunner> {
  const yaml = `
credentials:
  genesys: {type: genesys, login_url: ${origin}, api_url: ${origin}, client_id: probe, client_secret: secret}
targets:
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    topics: [v2.users.probe-user.presence]
    subscribe_via: websocket
`;
  const config = await parseConfig(yaml, 'genesys.yml', {});
  const target = config.targets[0];
  if (target === undefined) throw new Error('no target');
  const built = createTargetProber(target, config, depsFor(config).deps);
  if (built.mode !== 'session') throw new Error('not a session kind');
  const runner = new SessionRunner(built.protocol, recorder.emit, {
    ...backoff,
    stableAfterMs: 60_000,
  });
  runner.start();
  return runner;
}

describe('Genesys socket_closing from a hostile server (issue 9, defect 5)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('sees a socket_closing that came in the same write as the subscribe answer', async () => {
    const peer = await startClosingGenesys();
    cleanups.push(() => peer.close());
    const recorder = recordingEvents();
    const runner = await runNotifications(peer.url.replace('ws:', 'http:'), recorder, {
      initialMs: 50,
      maxMs: 100,
    });
    cleanups.push(() => runner.stop());
    await eventually(
      () => Promise.resolve(recorder.of('closed').length >= 1 || undefined),
      5_000,
      'the announced close to end the session',
    );
    const [end] = recorder.of('closed')[0] as [SessionEnd];
    expect(end).toMatchObject({ reason: 'planned', abnormal: false });
    // We closed it ourselves, with a close frame, as the SDK does on socket_closing.
    expect(peer.connections[0]?.opcodes).toContain(8);
  });

  it('a server that announces socket_closing on every connect gets a back-off, not a storm', async () => {
    const peer = await startClosingGenesys(false);
    cleanups.push(() => peer.close());
    const recorder = recordingEvents();
    // The exporter's default back-off (reconnect: initial 1s).
    const runner = await runNotifications(peer.url.replace('ws:', 'http:'), recorder, {
      initialMs: 1_000,
      maxMs: 60_000,
    });
    cleanups.push(() => runner.stop());
    await sleep(4_000);
    const connects = recorder.of('connected').length;
    // Before: a reconnect within 250 ms of every announcement, 16 or more in 4 s (62 in 15 s
    // against the real schedule). Now at least 0.5 s, 1 s, 2 s … between them.
    expect(connects).toBeGreaterThanOrEqual(2);
    expect(connects).toBeLessThanOrEqual(4);
    const delays = recorder.of('reconnecting').map(([, seconds]) => seconds as number);
    expect(delays[0]).toBeGreaterThanOrEqual(0.5);
    if (delays[1] !== undefined) expect(delays[1]).toBeGreaterThanOrEqual(1);
    for (const [reason] of recorder.of('reconnecting')) expect(reason).toBe('planned');
  });
});
