import type net from 'node:net';
import { expect } from 'vitest';
import {
  INVALID_UTF8,
  behave,
  closeCount,
  describeHostilePeers,
  drip,
  startHttpPeer,
  startRawWebSocketPeer,
  startTcpPeer,
  type HostileCase,
  type Peer,
} from '../support/hostile-peers.ts';
import { OPCODE, acceptKey, closeFrame, frame } from '../support/ws-frames.ts';

/**
 * Issue 9, hostile-peer suite, `kind: websocket`: raw sockets that finish the handshake (or
 * not) and then write whatever bytes a broken or hostile server writes. Every session target
 * runs with a 500 ms ping and a short back-off, so a case that ends a session also shows that
 * the reconnects stay paced.
 */

const wsUrl = (peer: Peer) => peer.origin.replace('http:', 'ws:');

const websocket =
  (extra = '') =>
  (peer: Peer) =>
    [
      'kind: websocket',
      `url: ${wsUrl(peer)}/socket`,
      'timeout: 1s',
      // A loose pong timeout: the peers share the exporter's process on a loaded machine.
      'ping: {interval: 500ms, timeout: 1500ms}',
      'reconnect: {initial: 200ms, max: 1s}',
      extra,
    ].join('\n');

/** Reconnects paced by the back-off (200 ms doubling to 1 s): never a flood. */
function pacedReconnects(
  outcome: Parameters<NonNullable<HostileCase['check']>>[0],
  peer: Peer,
  run: Parameters<NonNullable<HostileCase['check']>>[2],
) {
  const bound = Math.ceil(run.healthy.watchedMs / 200) + 3;
  expect(peer.connections()).toBeLessThanOrEqual(bound);
  expect(closeCount(outcome) + (outcome.connectFailures.timeout ?? 0)).toBeLessThanOrEqual(bound);
}

/**
 * A raw peer that completes the handshake, behaves, and writes `bytes` once the client sent its
 * first frame (a ping): the session is set up by then. Bytes sent with the 101 itself meet a
 * client that is not listening yet; that case has its own test below.
 */
const sends = (bytes: () => Buffer | Buffer[], behaviour: Parameters<typeof behave>[1] = {}) =>
  startRawWebSocketPeer((socket) => {
    behave(socket, behaviour);
    socket.once('data', () => {
      for (const chunk of [bytes()].flat()) socket.write(chunk);
    });
  });

/** A peer whose 101 and first frame leave in one TCP segment, as busy servers send them. */
const sendsWithHandshake = (bytes: Buffer, behaviour: Parameters<typeof behave>[1] = {}) =>
  startHttpPeer(
    (_request, response) => response.end('no'),
    (request, socket) => {
      behave(socket, behaviour);
      const key = request.headers['sec-websocket-key'] ?? '';
      socket.write(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
          ),
          bytes,
        ]),
      );
    },
  );

const INVALID_CLOSE_CODES = [999, 1004, 1005, 1006, 1015, 2999, 5000];

/** A raw peer that breaks the protocol once open, then ignores our close and keeps TCP open. */
const ignoresClose = (bytes: Buffer) => () =>
  startRawWebSocketPeer((socket: net.Socket) => {
    socket.resume();
    setTimeout(() => socket.write(bytes), 50);
  });

const ignoringCloseCases: HostileCase[] = [
  {
    name: 'invalid-frame-close-ignored',
    peer: ignoresClose(Buffer.from([0xf3, 0x00])),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check(outcome, peer, run) {
      // One close per session, and sessions that end promptly: several in the watch.
      expect(closeCount(outcome)).toBeGreaterThanOrEqual(2);
      pacedReconnects(outcome, peer, run);
    },
  },
  {
    name: 'close-code-close-ignored',
    peer: ignoresClose(closeFrame(5000)),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check(outcome, peer, run) {
      expect(closeCount(outcome)).toBeGreaterThanOrEqual(2);
      pacedReconnects(outcome, peer, run);
    },
  },
  {
    name: 'valid-close-tcp-kept',
    // A correct close frame, our answer, and then TCP is never closed by the server.
    peer: () =>
      startRawWebSocketPeer((socket) => {
        socket.resume();
        setTimeout(() => socket.write(closeFrame(1000, 'bye')), 50);
      }),
    fields: websocket(),
    results: ['success'],
    closes: ['server_close'],
    check(outcome) {
      expect(closeCount(outcome)).toBeGreaterThanOrEqual(2);
    },
  },
];

const cases: HostileCase[] = [
  ...ignoringCloseCases,
  {
    name: 'garbage-with-handshake',
    peer: () => sendsWithHandshake(Buffer.from([0xf3, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00])),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
  },
  {
    name: 'greeting-with-handshake',
    // A server that greets first, in the segment of its 101: the step must see the greeting.
    peer: () => sendsWithHandshake(frame(OPCODE.text, 'welcome')),
    fields: websocket('steps: [{expect: "^welcome$", timeout: 500ms}]'),
    results: ['success'],
  },
  {
    name: 'tcp-silent',
    // TCP accepted, the upgrade request read, nothing ever said.
    peer: () => startTcpPeer((socket) => socket.resume()),
    fields: websocket(),
    results: ['timeout'],
    check: pacedReconnects,
  },
  {
    name: 'drip-upgrade',
    peer: () =>
      startTcpPeer((socket) => {
        socket.once('data', () => {
          drip(socket, Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n'));
        });
      }),
    fields: websocket(),
    results: ['timeout'],
    check: pacedReconnects,
  },
  {
    name: 'upgrade-answered-200',
    peer: () =>
      startHttpPeer(
        (_request, response) => response.end('no'),
        (_request, socket) => {
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
        },
      ),
    fields: websocket(),
    results: ['unexpected_status'],
    check: pacedReconnects,
  },
  {
    name: 'upgrade-101-without-accept',
    peer: () =>
      startHttpPeer(
        (_request, response) => response.end('no'),
        (_request, socket) => {
          socket.write(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
          );
        },
      ),
    fields: websocket(),
    results: ['network_error', 'unexpected_status'],
    check: pacedReconnects,
  },
  {
    name: 'upgrade-101-then-silence',
    // A finished handshake, then a server that never answers a ping: half-open.
    peer: () => startRawWebSocketPeer((socket) => socket.resume()),
    fields: websocket(),
    results: ['success'],
    closes: ['ping_timeout'],
    check: pacedReconnects,
  },
  {
    name: 'garbage-frame',
    peer: () => sends(() => Buffer.from([0xf3, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00])),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'reserved-opcode',
    peer: () => sends(() => frame(0x3, 'what')),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'invalid-utf8-text',
    peer: () => sends(() => frame(OPCODE.text, INVALID_UTF8)),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'oversized-frame',
    peer: () => sends(() => frame(OPCODE.binary, Buffer.alloc(2 * 1_048_576))),
    fields: websocket(),
    results: ['success'],
    closes: ['message_too_big'],
    check: pacedReconnects,
  },
  {
    name: 'oversized-length-claim',
    // A header claiming 2^53 bytes: ws must refuse it before buffering anything.
    peer: () => sends(() => frame(OPCODE.binary, Buffer.alloc(4), { length: 2 ** 53 })),
    fields: websocket(),
    results: ['success'],
    closes: ['message_too_big', 'protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'endless-fragments',
    // A message that never ends, in 64 KiB continuation frames: past max_payload it is cut.
    peer: () =>
      sends(() => [
        frame(OPCODE.text, 'a'.repeat(65_536), { fin: false }),
        ...Array.from({ length: 40 }, () => frame(0x0, 'a'.repeat(65_536), { fin: false })),
      ]),
    fields: websocket(),
    results: ['success'],
    closes: ['message_too_big'],
    check: pacedReconnects,
  },
  {
    name: 'truncated-frame',
    // A frame header promising 1000 bytes, 10 sent, then nothing: pings answered, but the
    // answers are stuck behind the frame the client is still reading.
    peer: () => sends(() => frame(OPCODE.text, 'x'.repeat(10), { length: 1000 })),
    fields: websocket(),
    results: ['success'],
    closes: ['ping_timeout', 'protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'drip-frame',
    peer: () =>
      startRawWebSocketPeer((socket) => {
        drip(socket, frame(OPCODE.text, 'a slow message '.repeat(20)));
      }),
    fields: websocket(),
    results: ['success'],
    closes: ['ping_timeout'],
    check: pacedReconnects,
  },
  ...INVALID_CLOSE_CODES.map((code): HostileCase => ({
    name: `close-code-${String(code)}`,
    peer: () => sends(() => closeFrame(code, 'bye')),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  })),
  {
    name: 'close-reason-huge',
    // A control frame over 125 bytes is itself a protocol error (RFC 6455 §5.5).
    peer: () => sends(() => closeFrame(1000, 'r'.repeat(4_000))),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'close-one-byte',
    peer: () => sends(() => frame(OPCODE.close, Buffer.from([0x03]))),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'close-reason-invalid-utf8',
    peer: () =>
      sends(() => frame(OPCODE.close, Buffer.concat([Buffer.from([0x03, 0xe8]), INVALID_UTF8]))),
    fields: websocket(),
    results: ['success'],
    closes: ['protocol_error'],
    check: pacedReconnects,
  },
  {
    name: 'pong-flood',
    // Answers every ping, and floods unsolicited pongs with forged payloads besides: the session
    // stays up, each ping still measured by its own pong.
    peer: () =>
      startRawWebSocketPeer((socket) => {
        behave(socket);
        const flood = Buffer.concat(
          Array.from({ length: 100 }, (_, index) => frame(OPCODE.pong, `forged-${String(index)}`)),
        );
        const timer = setInterval(() => {
          if (!socket.destroyed && socket.writableLength < 1_048_576) socket.write(flood);
        }, 20);
        socket.on('close', () => {
          clearInterval(timer);
        });
      }),
    fields: websocket(),
    results: ['success'],
    // The flood itself never ends the session; a stall of the loaded machine might.
    closes: [],
    tolerated: ['ping_timeout'],
    check(outcome) {
      expect(closeCount(outcome)).toBeLessThanOrEqual(1);
    },
  },
  {
    name: 'ping-flood',
    peer: () =>
      startRawWebSocketPeer((socket) => {
        behave(socket);
        const flood = Buffer.concat(
          Array.from({ length: 10 }, () => frame(OPCODE.ping, 'p'.repeat(125))),
        );
        const timer = setInterval(() => {
          if (!socket.destroyed && socket.writableLength < 1_048_576) socket.write(flood);
        }, 20);
        socket.on('close', () => {
          clearInterval(timer);
        });
      }),
    fields: websocket(),
    results: ['success'],
    // The flood itself never ends the session; a stall of the loaded machine might.
    closes: [],
    tolerated: ['ping_timeout'],
    check(outcome) {
      expect(closeCount(outcome)).toBeLessThanOrEqual(1);
    },
  },
  {
    name: 'app-ping-forged-ids',
    // Application pongs with ids of every wrong type and absurd numbers: none matches a ping.
    peer: () =>
      startRawWebSocketPeer((socket) => {
        behave(socket, {
          onText() {
            for (const id of [-1, 1e308, 2 ** 53, 'NaN', null, { id: 1 }, 'x'.repeat(10_000)]) {
              socket.write(frame(OPCODE.text, JSON.stringify({ id })));
            }
          },
        });
      }),
    fields: websocket(
      'app_ping: {interval: 300ms, timeout: 500ms, send: \'{"ping":"{{id}}"}\', match_json: id}',
    ),
    results: ['success'],
    closes: ['ping_timeout'],
    check: pacedReconnects,
  },
  {
    name: 'steps-never-matched',
    // The expected reply never comes; the server talks garbage instead.
    peer: () =>
      startRawWebSocketPeer((socket) => {
        behave(socket, {
          onText() {
            socket.write(frame(OPCODE.text, 'z'.repeat(60_000)));
          },
        });
      }),
    fields: websocket('steps: [{send: hello}, {expect: "^welcome$", timeout: 500ms}]'),
    results: ['timeout', 'body_mismatch', 'unexpected_status'],
    check: pacedReconnects,
  },
];

/** Pongs stuck behind a stalled loop may end a session first: tolerated beside the verdict. */
const tolerant = cases.map((hostile) =>
  hostile.closes !== undefined && !hostile.closes.includes('ping_timeout')
    ? { ...hostile, tolerated: [...(hostile.tolerated ?? []), 'ping_timeout'] }
    : hostile,
);

describeHostilePeers('hostile WebSocket peers: kind websocket', tolerant, {
  minMs: 3_000,
  maxMs: 12_000,
});
