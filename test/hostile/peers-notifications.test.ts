import type http from 'node:http';
import type net from 'node:net';
import { expect } from 'vitest';
import {
  INVALID_UTF8,
  behave,
  closeCount,
  describeHostilePeers,
  startHttpPeer,
  type HostileCase,
  type Peer,
} from '../support/hostile-peers.ts';
import { OPCODE, completeUpgrade, frame } from '../support/ws-frames.ts';

/**
 * Issue 9, hostile-peer suite, `genesys-notifications`: one loopback server plays the OAuth
 * login, the Notifications REST API and the channel WebSocket (docs/protocols.md §2), and breaks
 * one of them per case: absurd channel lifetimes, garbage channels, garbage and oversized
 * socket messages, forged pongs, floods of socket_closing and 404s.
 */

interface ChannelBehaviour {
  /** The body of POST /api/v2/notifications/channels, from the server's own ws origin. */
  channel?: (wsOrigin: string) => string | Buffer;
  /** What the socket does once upgraded (it always answers control pings and closes). */
  socket?: (socket: net.Socket, send: (text: string | Buffer) => void) => void;
  /** Answer {"message":"ping"} with the pong (true unless a case forges its own). */
  answerPings?: boolean;
  /** `expires_in` of the tokens the login issues (a day unless a case shortens it). */
  tokenExpiresInSeconds?: number;
}

const HEARTBEAT = '{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}';
const PONG = '{"topicName":"channel.metadata","eventBody":{"message":"pong"}}';

function notificationsPeer(behaviour: ChannelBehaviour): () => Promise<Peer> {
  return async () => {
    let wsOrigin = '';
    const rest = (request: http.IncomingMessage, response: http.ServerResponse) => {
      response.setHeader('content-type', 'application/json');
      if (request.url === '/oauth/token') {
        response.end(
          JSON.stringify({
            access_token: 'tok',
            token_type: 'bearer',
            expires_in: behaviour.tokenExpiresInSeconds ?? 86_400,
          }),
        );
      } else if (request.method === 'POST' && request.url === '/api/v2/notifications/channels') {
        response.end(
          behaviour.channel?.(wsOrigin) ??
            JSON.stringify({ id: 'ch', connectUri: `${wsOrigin}/channels/ch` }),
        );
      } else response.end('{}');
    };
    const upgrade = (request: http.IncomingMessage, socket: net.Socket) => {
      completeUpgrade(request, socket);
      const send = (text: string | Buffer) => {
        if (!socket.destroyed) socket.write(frame(OPCODE.text, text));
      };
      behave(socket, {
        onText(text) {
          if (behaviour.answerPings !== false && text.includes('"ping"')) send(PONG);
        },
      });
      // Heartbeats every 300 ms, so only what the case breaks can end the session.
      const heartbeats = setInterval(() => {
        send(HEARTBEAT);
      }, 300);
      socket.on('close', () => {
        clearInterval(heartbeats);
      });
      // The case's misbehaviour starts once the session is set up (the first ping came).
      socket.once('data', () => behaviour.socket?.(socket, send));
    };
    const peer = await startHttpPeer((request, response) => {
      rest(request, response);
    }, upgrade);
    wsOrigin = peer.origin.replace('http:', 'ws:');
    return peer;
  };
}

const CREDENTIAL = (peer: Peer, name: string) =>
  `  ${name}: {type: genesys, login_url: "${peer.origin}", api_url: "${peer.origin}", client_id: c, client_secret: s}`;

/** Each case has its own credential, pointing at its own server. */
const notifications = (name: string) => ({
  fields: () =>
    [
      'kind: genesys-notifications',
      `credential: cred-${name}`,
      // Token, channel and upgrade: loose, every target starts at once in a loaded process.
      'timeout: 3s',
      // A loose timeout: the peers share the exporter's loaded process.
      'ping: {interval: 500ms, timeout: 1s}',
      'heartbeat_interval: 1s',
      'reconnect: {initial: 200ms, max: 1s}',
    ].join('\n'),
  credential: (peer: Peer) => CREDENTIAL(peer, `cred-${name}`),
});

/** Sessions and channels paced by the back-off: never a flood. */
function pacedSessions(
  outcome: Parameters<NonNullable<HostileCase['check']>>[0],
  peer: Peer,
  run: Parameters<NonNullable<HostileCase['check']>>[2],
) {
  // Each attempt dials the API (token, channel, HEAD) and the socket: a few connections each.
  const attempts = Math.ceil(run.healthy.watchedMs / 200) + 3;
  expect(peer.connections()).toBeLessThanOrEqual(4 * attempts);
  expect(closeCount(outcome)).toBeLessThanOrEqual(attempts);
}

/** The session stayed up through the whole watch: one connect, no close. */
function stayedUp(outcome: Parameters<NonNullable<HostileCase['check']>>[0]) {
  expect(outcome.results).toEqual({ success: 1 });
  expect(outcome.closes).toEqual({});
}

const ABSURD_EXPIRES: unknown[] = [
  'NaN',
  '-1',
  '1e308',
  String(2 ** 53),
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z',
  '2026-02-30T25:61:61Z',
  'x'.repeat(10_000),
];

const cases: HostileCase[] = [
  // An expires no one can use falls back to channel_rollover (23 h): no rollover storm.
  ...ABSURD_EXPIRES.map((expires, index): HostileCase => ({
    name: `expires-${String(index)}`,
    peer: notificationsPeer({
      channel: (ws) => JSON.stringify({ id: 'ch', connectUri: `${ws}/channels/ch`, expires }),
    }),
    ...notifications(`expires-${String(index)}`),
    results: ['success', 'invalid_json'],
    check(outcome, peer, run) {
      // A 10,000-character expires is not a Channel; the others are, with their expires unused.
      if (index === ABSURD_EXPIRES.length - 1)
        expect(Object.keys(outcome.results)).toEqual(['invalid_json']);
      else stayedUp(outcome);
      pacedSessions(outcome, peer, run);
    },
  })),
  ...[
    (ws: string) => JSON.stringify({ id: 1e308, connectUri: `${ws}/channels/ch` }),
    () => JSON.stringify({ id: 'ch', connectUri: 'javascript:alert(1)' }),
    (ws: string) => JSON.stringify({ id: 'ch', connectUri: `${ws}/${'c'.repeat(100_000)}` }),
    () => Buffer.concat([Buffer.from('{"id":"'), INVALID_UTF8, Buffer.from('"}')]),
    () => '[]',
    () => `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  ].map((channel, index): HostileCase => ({
    name: `garbage-channel-${String(index)}`,
    peer: notificationsPeer({ channel }),
    ...notifications(`garbage-channel-${String(index)}`),
    results: ['invalid_json'],
    check: pacedSessions,
  })),
  {
    name: 'socket-garbage-json',
    peer: notificationsPeer({
      socket: (_socket, send) => {
        send('{"topicName":');
      },
    }),
    ...notifications('socket-garbage-json'),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'socket-invalid-utf8',
    peer: notificationsPeer({
      socket: (_socket, send) => {
        send(INVALID_UTF8);
      },
    }),
    ...notifications('socket-invalid-utf8'),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'socket-binary',
    peer: notificationsPeer({
      socket: (socket) => socket.write(frame(OPCODE.binary, Buffer.alloc(100))),
    }),
    ...notifications('socket-binary'),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'socket-oversized',
    peer: notificationsPeer({
      socket: (_socket, send) => {
        send(`{"topicName":"x","eventBody":"${'x'.repeat(2 * 1_048_576)}"}`);
      },
    }),
    ...notifications('socket-oversized'),
    results: ['success'],
    closes: ['message_too_big'],
    check: pacedSessions,
  },
  {
    name: 'absurd-event-fields',
    // Every field a notification carries, absurd: none of it may end or crash the session.
    peer: notificationsPeer({
      socket: (_socket, send) => {
        for (const body of [
          { topicName: 1e308, eventBody: 'NaN' },
          { topicName: 'channel.metadata', eventBody: { message: 'pong', seq: -1, id: 2 ** 53 } },
          { topicName: 'channel.metadata', eventBody: { message: 2 ** 53 } },
          { topicName: 'v2.users.x.presence', eventBody: null, metadata: { CorrelationId: -1 } },
          { result: 200, expires: '1e308', retryAfter: -1 },
          { topicName: null },
          [1e308],
          'NaN',
        ]) {
          send(JSON.stringify(body));
        }
      },
    }),
    ...notifications('absurd-event-fields'),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'forged-pong-flood',
    // No real pong, but a flood of pongs the client never asked for. A Genesys pong carries no
    // id (docs/protocols.md §2.3), so one cannot be told from the answer to our ping: the flood
    // must only not hurt.
    peer: notificationsPeer({
      answerPings: false,
      socket: (socket, send) => {
        const timer = setInterval(() => {
          for (let index = 0; index < 50; index++) send(PONG);
        }, 20);
        socket.on('close', () => {
          clearInterval(timer);
        });
      },
    }),
    ...notifications('forged-pong-flood'),
    results: ['success'],
    check: stayedUp,
  },
  {
    name: 'channel-gone-flood',
    peer: notificationsPeer({
      socket: (_socket, send) => {
        for (let index = 0; index < 100; index++) send('{"result":"404","message":"gone"}');
      },
    }),
    ...notifications('channel-gone-flood'),
    results: ['success'],
    closes: ['channel_gone'],
    check: pacedSessions,
  },
  {
    name: 'channel-gone-after-token-expiry',
    // Genesys answers a channel whose token expired with {"result":"404"} on the socket
    // (docs/protocols.md §2.4): a planned reconnect on a new channel, not a channel_gone drop.
    peer: notificationsPeer({
      tokenExpiresInSeconds: 1,
      socket: (socket, send) => {
        const timer = setTimeout(() => {
          send('{"result":"404","message":"channel gone"}');
        }, 1_300);
        socket.on('close', () => {
          clearTimeout(timer);
        });
      },
    }),
    ...notifications('channel-gone-after-token-expiry'),
    results: ['success'],
    closes: ['token_expired'],
    check: pacedSessions,
  },
  {
    name: 'socket-closing-storm',
    // Every socket announces its own closing at once, again and again (docs/protocols.md §2.4).
    peer: notificationsPeer({
      socket: (_socket, send) => {
        send('{"topicName":"v2.system.socket_closing","eventBody":{"message":"closing"}}');
      },
    }),
    ...notifications('socket-closing-storm'),
    results: ['success'],
    closes: ['planned'],
    check(outcome, peer, run) {
      // Planned reconnects skip the back-off, but never faster than one a second.
      expect(closeCount(outcome)).toBeLessThanOrEqual(Math.ceil(run.healthy.watchedMs / 1_000) + 1);
      pacedSessions(outcome, peer, run);
    },
  },
];

describeHostilePeers('hostile Genesys Notifications peers', cases, { minMs: 4_500, maxMs: 12_000 });
