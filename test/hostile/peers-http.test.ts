import type net from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Reason } from '../../src/events/reasons.ts';
import {
  ABSURD_NUMBERS,
  INVALID_UTF8,
  describeHostilePeers,
  drip,
  probeCount,
  startHttpPeer,
  startTcpPeer,
  type HostileCase,
  type Peer,
} from '../support/hostile-peers.ts';

/**
 * Issue 9, hostile-peer suite, request/response kinds: `http` and `genesys-rest` (with its OAuth
 * token endpoint) against servers that answer what real ones answer on a bad day. All cases run
 * at once in one exporter, beside a healthy target whose cadence must not suffer.
 */

interface HttpCase {
  name: string;
  /** Starts the peer; `fields` builds the target from its origin. */
  peer: () => Promise<Peer>;
  fields: (origin: string) => string;
  /** The only results the target may end with. */
  expected: Reason[];
  /** YAML of a credential the target uses (indented by two spaces). */
  credential?: (origin: string) => string;
  /** Connections one probe may open (redirects followed); 2 by default (token and call). */
  dialsPerProbe?: number;
}

const http =
  (extra = '') =>
  (origin: string) =>
    `kind: http\nurl: ${origin}/probe\ninterval: 2s\ntimeout: 1s\n${extra}`;

const rawAnswer = (write: (socket: net.Socket) => void) => () =>
  startTcpPeer((socket) => {
    socket.once('data', () => {
      write(socket);
    });
  });

const HEAD_200 = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n';

const cases: HttpCase[] = [
  {
    name: 'tcp-silent',
    // TCP accepted, the request read, nothing ever said.
    peer: () => startTcpPeer((socket) => socket.resume()),
    fields: http(),
    expected: ['timeout'],
  },
  {
    name: 'drip-status-line',
    peer: rawAnswer((socket) => {
      drip(socket, Buffer.from(`${HEAD_200}content-length: 2\r\n\r\nok`));
    }),
    fields: http(),
    expected: ['timeout'],
  },
  {
    name: 'drip-body',
    peer: rawAnswer((socket) => {
      socket.write(`${HEAD_200}content-length: 500\r\n\r\n`);
      drip(socket, Buffer.alloc(500, 0x61));
    }),
    fields: http(),
    expected: ['timeout'],
  },
  {
    name: 'garbage-answer',
    peer: rawAnswer((socket) => {
      socket.end(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a, 0xfe]));
    }),
    fields: http(),
    expected: ['connection_reset', 'network_error'],
  },
  {
    name: 'truncated-body',
    peer: rawAnswer((socket) => {
      socket.write(`${HEAD_200}content-length: 10000\r\n\r\n${'a'.repeat(100)}`);
      setTimeout(() => socket.destroy(), 20);
    }),
    fields: http(),
    expected: ['connection_reset'],
  },
  {
    name: 'truncated-chunked',
    peer: rawAnswer((socket) => {
      socket.write(`${HEAD_200}transfer-encoding: chunked\r\n\r\nffff\r\nabc`);
      setTimeout(() => socket.destroy(), 20);
    }),
    fields: http(),
    expected: ['connection_reset', 'network_error'],
  },
  {
    name: 'absurd-content-length',
    peer: rawAnswer((socket) => {
      socket.end(`${HEAD_200}content-length: 99999999999999999999999\r\n\r\nok`);
    }),
    fields: http(),
    expected: ['connection_reset', 'network_error'],
  },
  {
    name: 'negative-content-length',
    peer: rawAnswer((socket) => {
      socket.end(`${HEAD_200}content-length: -5\r\n\r\nok`);
    }),
    fields: http(),
    expected: ['connection_reset', 'network_error'],
  },
  {
    name: 'status-999',
    peer: rawAnswer((socket) => {
      socket.end('HTTP/1.1 999 Whatever\r\ncontent-length: 0\r\n\r\n');
    }),
    fields: http(),
    expected: ['unexpected_status', 'network_error', 'connection_reset'],
  },
  {
    name: 'huge-header',
    peer: rawAnswer((socket) => {
      socket.end(`${HEAD_200}x-junk: ${'j'.repeat(200_000)}\r\ncontent-length: 0\r\n\r\n`);
    }),
    fields: http(),
    expected: ['network_error', 'connection_reset'],
  },
  {
    name: 'oversized-body',
    peer: () =>
      startHttpPeer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        // 8 MiB against the 1 MiB default; written in chunks as a real server streams it.
        const chunk = Buffer.alloc(64 * 1024, 0x62);
        let sent = 0;
        const pump = () => {
          while (sent < 128) {
            sent += 1;
            if (!response.write(chunk)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        response.on('error', () => undefined);
        pump();
      }),
    fields: http(),
    expected: ['body_too_large'],
  },
  {
    name: 'gzip-bomb',
    peer: () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1_048_576));
      return startHttpPeer((_request, response) => {
        response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        response.end(bomb);
      });
    },
    fields: http(),
    expected: ['body_too_large'],
  },
  {
    name: 'invalid-utf8-json',
    peer: () =>
      startHttpPeer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(Buffer.concat([INVALID_UTF8, Buffer.from('"}')]));
      }),
    fields: http('expect: {json: [{path: a, equals: "x"}]}'),
    expected: ['invalid_json', 'json_mismatch'],
  },
  {
    name: 'redirect-to-itself',
    peer: () =>
      startHttpPeer((request, response) => {
        response.writeHead(302, { location: request.url ?? '/' }).end();
      }),
    fields: http('follow_redirects: true\nmax_redirects: 5'),
    expected: ['redirect_loop'],
    dialsPerProbe: 6,
  },
  ...['-1', 'NaN', '1e308', String(2 ** 53), '0x10', ''].map((retryAfter, index): HttpCase => ({
    name: `retry-after-${String(index)}`,
    peer: () =>
      startHttpPeer((_request, response) => {
        response.writeHead(429, { 'retry-after': retryAfter }).end('slow down');
      }),
    fields: http(),
    expected: ['rate_limited'],
  })),
  // A token endpoint that issues tokens with absurd lifetimes: the API call still happens, and
  // no lifetime makes cxprobe fetch tokens faster than it probes.
  ...ABSURD_NUMBERS.map((expiresIn, index): HttpCase => ({
    name: `expires-in-${String(index)}`,
    peer: () =>
      startHttpPeer((request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        if (request.url === '/oauth/token') {
          response.end(
            `{"access_token":"tok-${String(index)}","token_type":"bearer","expires_in":${JSON.stringify(expiresIn)}}`,
          );
        } else response.end('{"ok":true}');
      }),
    fields: () =>
      `kind: genesys-rest\ncredential: cred-${String(index)}\ninterval: 2s\ntimeout: 1s`,
    credential: (origin) =>
      `  cred-${String(index)}: {type: genesys, login_url: "${origin}", api_url: "${origin}", client_id: c, client_secret: s}`,
    expected: ['success'],
  })),
  {
    name: 'token-garbage',
    peer: () =>
      startHttpPeer((request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          request.url === '/oauth/token' ? Buffer.concat([INVALID_UTF8]) : '{"ok":true}',
        );
      }),
    fields: () => 'kind: genesys-rest\ncredential: cred-garbage\ninterval: 2s\ntimeout: 1s',
    credential: (origin) =>
      `  cred-garbage: {type: genesys, login_url: "${origin}", api_url: "${origin}", client_id: c, client_secret: s}`,
    expected: ['auth_failed'],
  },
  {
    name: 'token-not-a-string',
    peer: () =>
      startHttpPeer((request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          request.url === '/oauth/token'
            ? '{"access_token":1e308,"expires_in":"NaN"}'
            : '{"ok":true}',
        );
      }),
    fields: () => 'kind: genesys-rest\ncredential: cred-number\ninterval: 2s\ntimeout: 1s',
    credential: (origin) =>
      `  cred-number: {type: genesys, login_url: "${origin}", api_url: "${origin}", client_id: c, client_secret: s}`,
    expected: ['auth_failed'],
  },
  {
    name: 'token-drip',
    peer: () =>
      startTcpPeer((socket) => {
        socket.once('data', () => {
          drip(socket, Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}`));
        });
      }),
    fields: () => 'kind: genesys-rest\ncredential: cred-drip\ninterval: 2s\ntimeout: 1s',
    credential: (origin) =>
      `  cred-drip: {type: genesys, login_url: "${origin}", api_url: "${origin}", client_id: c, client_secret: s}`,
    expected: ['auth_failed', 'timeout'],
  },
];

describeHostilePeers(
  'hostile HTTP peers: http and genesys-rest',
  cases.map((hostile): HostileCase => ({
    name: hostile.name,
    peer: hostile.peer,
    fields: (peer) => hostile.fields(peer.origin),
    ...(hostile.credential === undefined
      ? {}
      : { credential: (peer: Peer) => hostile.credential?.(peer.origin) ?? '' }),
    results: hostile.expected,
    check(outcome, peer, run) {
      // A 2 s interval over the watch: a handful of probes, never a flood (each may dial
      // twice: a token request and the call; redirects once per hop).
      const probes = probeCount(outcome);
      expect(probes).toBeLessThanOrEqual(Math.ceil(run.healthy.watchedMs / 2_000) + 2);
      expect(peer.connections()).toBeLessThanOrEqual((hostile.dialsPerProbe ?? 2) * probes + 2);
    },
  })),
  // Long enough for two intervals (a Retry-After of 2^53 s, capped at an hour, rightly leaves
  // its target with one probe).
  { minMs: 4_500, maxMs: 15_000 },
);
