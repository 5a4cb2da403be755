import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { expect } from 'vitest';
import {
  INVALID_UTF8,
  behave,
  closeCount,
  describeHostilePeers,
  drip,
  probeCount,
  startHttpPeer,
  startRawWebSocketPeer,
  startTcpPeer,
  type HostileCase,
  type Peer,
} from '../support/hostile-peers.ts';
import { OPCODE, frame } from '../support/ws-frames.ts';

/**
 * Issue 9, hostile-peer suite, bot kinds: the three HTTP bot turns (`cognigy-rest`,
 * `genesys-bot-connector`, `cxone-exchange`) against bots that drip, truncate, bloat and answer
 * absurd values, and `cognigy-socket` against a real Socket.IO server that misbehaves at the
 * Socket.IO layer and against raw Engine.IO peers that misbehave below it.
 */

// ---------------------------------------------------------------------------------------------
// HTTP bot kinds

const BOT_KINDS = {
  'cognigy-rest': (origin: string) => `kind: cognigy-rest\nurl: ${origin}/rest\nurl_token: tok`,
  'genesys-bot-connector': (origin: string) =>
    `kind: genesys-bot-connector\nurl: ${origin}/botconnector`,
  'cxone-exchange': (origin: string) => `kind: cxone-exchange\nurl: ${origin}/exchange`,
} as const;
type BotKind = keyof typeof BOT_KINDS;

/** A reply each kind accepts, with absurd numbers wherever the protocol carries a number. */
const ABSURD_BUT_VALID: Record<BotKind, unknown> = {
  'cognigy-rest': {
    outputStack: [{ text: 'hi', data: { seq: -1, big: 1e308, exact: 2 ** 53 } }],
    text: 2 ** 53,
    data: { position: -8000 },
  },
  'genesys-bot-connector': {
    botState: 'MoreData',
    replymessages: [{ type: 'Text', text: 'hi' }],
    intent: 'x',
    confidence: 1e308,
    botSessionTimeout: -1,
    parameters: { retryAfter: 'NaN', expires_in: 2 ** 53 },
  },
  'cxone-exchange': {
    branchName: 'PromptAndCollectNextResponse',
    nextPromptSequence: { prompts: [{ transcript: 'hi', mediaSpecificObject: null }] },
    intentInfo: { intentConfidence: 1e308, intent: 'x' },
    nextPromptBehaviors: {
      silenceRules: { botNoResponseSeconds: -1, maxNumberOfNoResponses: 1e308 },
    },
    customPayload: { sequence: 2 ** 53 },
  },
};

/** A reply each kind accepts, with bytes that are not UTF-8 inside its one text field. */
function invalidUtf8Reply(kind: BotKind): Buffer {
  const parts: Record<BotKind, [string, string]> = {
    'cognigy-rest': ['{"outputStack":[{"text":"', '"}]}'],
    'genesys-bot-connector': [
      '{"botState":"MoreData","replymessages":[{"type":"Text","text":"',
      '"}]}',
    ],
    'cxone-exchange': ['{"branchName":"ReturnControlToScript","customPayload":{"text":"', '"}}'],
  };
  const [before, after] = parts[kind];
  return Buffer.concat([
    Buffer.from(before),
    Buffer.from([0x80, 0xc0, 0xaf, 0xff]),
    Buffer.from(after),
  ]);
}

/** Numbers as strings where the protocol wants one, NaN spelt out: a mismatch, not a crash. */
const ABSURD_AND_INVALID: Record<BotKind, string> = {
  'cognigy-rest': '{"outputStack": 1e308}',
  'genesys-bot-connector':
    '{"botState":"MoreData","replymessages":[{"type":"Text","text":"hi"}],"confidence":"NaN"}',
  'cxone-exchange': '{"branchName":-1,"nextPromptSequence":{"prompts":1e308}}',
};

const bot = (kind: BotKind) => (peer: Peer) =>
  `${BOT_KINDS[kind](peer.origin)}\ninterval: 2s\ntimeout: 1s`;

const answering = (status: number, body: Buffer | string, headers: Record<string, string> = {}) =>
  startHttpPeer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(body);
  });

/** Probes paced by the 2 s interval: a few per watch, never a flood. */
function pacedProbes(
  outcome: Parameters<NonNullable<HostileCase['check']>>[0],
  peer: Peer,
  run: Parameters<NonNullable<HostileCase['check']>>[2],
) {
  const probes = probeCount(outcome);
  expect(probes).toBeLessThanOrEqual(Math.ceil(run.healthy.watchedMs / 2_000) + 2);
  expect(peer.connections()).toBeLessThanOrEqual(probes + 2);
}

function botCases(kind: BotKind): HostileCase[] {
  const named = (name: string) => `${kind}-${name}`;
  return [
    {
      name: named('tcp-silent'),
      peer: () => startTcpPeer((socket) => socket.resume()),
      fields: bot(kind),
      results: ['timeout'],
      check: pacedProbes,
    },
    {
      name: named('drip-body'),
      peer: () =>
        startTcpPeer((socket) => {
          socket.once('data', () => {
            socket.write(
              'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n',
            );
            drip(socket, Buffer.from(`{"x":"${'a'.repeat(190)}"}`));
          });
        }),
      fields: bot(kind),
      results: ['timeout'],
      check: pacedProbes,
    },
    {
      name: named('truncated-json'),
      peer: () =>
        startTcpPeer((socket) => {
          socket.once('data', () => {
            socket.write(
              'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"outputStack":[',
            );
            setTimeout(() => socket.destroy(), 20);
          });
        }),
      fields: bot(kind),
      results: ['connection_reset'],
      check: pacedProbes,
    },
    {
      name: named('invalid-utf8'),
      // Decoded as WHATWG decoders do (U+FFFD for each bad sequence), so the reply is judged by
      // its shape: a well-formed one passes, and nothing throws on the way.
      peer: () => answering(200, invalidUtf8Reply(kind)),
      fields: bot(kind),
      results: ['success'],
      check: pacedProbes,
    },
    {
      name: named('oversized'),
      peer: () => answering(200, `{"pad":"${'p'.repeat(3 * 1_048_576)}"}`),
      fields: bot(kind),
      results: ['body_too_large'],
      check: pacedProbes,
    },
    {
      name: named('deep-nesting'),
      // 100,000 nested arrays: a recursive parser or walker would blow its stack here.
      peer: () => answering(200, `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
      fields: bot(kind),
      // Parsing it may outlast the 1 s timeout on a loaded machine: a timeout, never a crash.
      results: ['json_mismatch', 'invalid_json', 'timeout'],
      check: pacedProbes,
    },
    {
      name: named('absurd-valid'),
      peer: () => answering(200, JSON.stringify(ABSURD_BUT_VALID[kind])),
      fields: bot(kind),
      results: ['success'],
      check: pacedProbes,
    },
    {
      name: named('absurd-invalid'),
      peer: () => answering(200, ABSURD_AND_INVALID[kind]),
      fields: bot(kind),
      results: ['json_mismatch'],
      check: pacedProbes,
    },
    {
      name: named('retry-after-huge'),
      peer: () => answering(429, '{}', { 'retry-after': String(2 ** 53) }),
      fields: bot(kind),
      results: ['rate_limited'],
      check(outcome, peer) {
        // Deferred by the (capped) Retry-After: one request in the whole watch.
        expect(outcome.results).toEqual({ rate_limited: 1 });
        expect(peer.connections()).toBe(1);
      },
    },
    {
      name: named('retry-after-negative'),
      peer: () => answering(503, '{}', { 'retry-after': '-1' }),
      fields: bot(kind),
      results: ['unexpected_status'],
      check: pacedProbes,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// cognigy-socket: a real Socket.IO server

async function socketIoPeer(onConnection: (socket: ServerSocket) => void): Promise<Peer> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  let connections = 0;
  http.on('connection', () => {
    connections += 1;
  });
  io.on('connection', onConnection);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    port,
    connections: () => connections,
    close: async () => {
      io.disconnectSockets(true);
      await io.close();
    },
  };
}

const cognigy =
  (extra = '') =>
  (peer: Peer) =>
    [
      'kind: cognigy-socket',
      `url: ${peer.origin}`,
      'url_token: tok',
      'interval: 2500ms',
      'budget: 500ms',
      // Connect and turn timeout: loose, the peers share the exporter's loaded process.
      'timeout: 2s',
      'wait_for_ready: false',
      'reconnect: {initial: 200ms, max: 1s}',
      extra,
    ].join('\n');

/** Answers every processInput with `answer`. */
const onInput = (answer: (socket: ServerSocket) => void) => () =>
  socketIoPeer((socket) => {
    socket.on('processInput', () => {
      answer(socket);
    });
  });

function pacedSessions(
  outcome: Parameters<NonNullable<HostileCase['check']>>[0],
  peer: Peer,
  run: Parameters<NonNullable<HostileCase['check']>>[2],
) {
  const bound = Math.ceil(run.healthy.watchedMs / 200) + 3;
  expect(peer.connections()).toBeLessThanOrEqual(bound);
  expect(closeCount(outcome)).toBeLessThanOrEqual(bound);
}

const socketIoCases: HostileCase[] = [
  {
    name: 'cognigy-absurd-output',
    peer: onInput((socket) => {
      socket.emit('output', {
        type: 'output',
        data: { text: 1e308, data: { seq: -1, position: 2 ** 53, sampleRate: 'NaN' } },
      });
      socket.emit('output', { type: 'finalPing', data: null });
    }),
    fields: cognigy(),
    results: ['success', 'timeout'],
    check(outcome) {
      expect(outcome.results.success).toBeGreaterThanOrEqual(2);
      expect(outcome.closes).toEqual({});
    },
  },
  {
    name: 'cognigy-garbage-output',
    peer: onInput((socket) => {
      socket.emit('output', 1e308);
      socket.emit('output', { type: ['output'] });
    }),
    fields: cognigy(),
    results: ['success', 'invalid_json', 'timeout'],
    check(outcome) {
      expect(outcome.results.invalid_json).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'cognigy-output-flood',
    // Three thousand outputs per turn, then the end of the turn.
    peer: onInput((socket) => {
      for (let index = 0; index < 3_000; index++) {
        socket.emit('output', { type: 'output', data: { text: String(index) } });
      }
      socket.emit('finalPing', {});
    }),
    fields: cognigy(),
    // Thousands of events may take longer than the 1 s turn on a loaded machine.
    results: ['success', 'timeout'],
  },
  {
    name: 'cognigy-no-final-ping',
    peer: onInput((socket) => {
      socket.emit('output', { type: 'output', data: { text: 'and then nothing' } });
    }),
    fields: cognigy(),
    results: ['success', 'timeout'],
    check(outcome) {
      expect(outcome.results.timeout).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'cognigy-oversized-output',
    peer: onInput((socket) => {
      socket.emit('output', { type: 'output', data: { text: 'x'.repeat(2 * 1_048_576) } });
    }),
    fields: cognigy(),
    results: ['success', 'timeout'],
    // Cut at max_payload (1 MiB by default) before it is buffered, as every session kind.
    closes: ['message_too_big'],
    check: pacedSessions,
  },
  {
    name: 'cognigy-disconnect-storm',
    // Accepts, then throws the client out at once, every time.
    peer: () =>
      socketIoPeer((socket) => {
        socket.disconnect(true);
      }),
    fields: cognigy(),
    // A connect slower than the 1 s timeout may happen on a loaded machine.
    results: ['success', 'timeout'],
    closes: ['server_close'],
    check: pacedSessions,
  },
];

// ---------------------------------------------------------------------------------------------
// cognigy-socket: raw Engine.IO peers

const OPEN = {
  sid: 'raw',
  upgrades: [],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  maxPayload: 1e6,
};

/**
 * A refused open packet fails the attempt as protocol_error; on a loaded machine the client's
 * own connect timeout (1 s) may come first.
 */
const OPEN_REFUSED = ['protocol_error', 'timeout'];

/** A raw Engine.IO v4 peer: sends `open` (text after the `0`), then plays `afterOpen`. */
const engineIo = (
  open: string,
  afterOpen: (send: (text: string | Buffer) => void, text: string) => void = () => undefined,
) =>
  startRawWebSocketPeer((socket) => {
    const send = (text: string | Buffer) => {
      if (!socket.destroyed) socket.write(frame(OPCODE.text, text));
    };
    behave(socket, {
      onText(text) {
        afterOpen(send, text);
      },
    });
    send(`0${open}`);
  });

/** Answers the Socket.IO CONNECT, then does `then` with each later client packet. */
const connected =
  (then: (send: (text: string | Buffer) => void, text: string) => void) =>
  (send: (text: string | Buffer) => void, text: string) => {
    if (text.startsWith('40')) send('40{"sid":"raw-socket"}');
    else then(send, text);
  };

const engineCases: HostileCase[] = [
  {
    name: 'polling-huge-open',
    // Long polling: an open packet padded to 64 MiB; the client must not hold it whole.
    peer: () =>
      startHttpPeer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
        const chunk = Buffer.alloc(1_048_576, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 64) {
            sent += 1;
            if (!response.write(chunk)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        response.on('error', () => undefined);
        response.write(`0${JSON.stringify(OPEN)}`);
        pump();
      }),
    fields: cognigy('transports: [polling]'),
    // Read up to max_payload (1 MiB), then refused: the rest is never held.
    results: ['message_too_big', 'timeout'],
    check: pacedSessions,
  },
  {
    name: 'cognigy-tcp-silent',
    // TCP accepted, no Engine.IO open ever: socket.io-client's own connect timeout fires.
    peer: () => startTcpPeer((socket) => socket.resume()),
    fields: cognigy(),
    results: ['timeout'],
    check: pacedSessions,
  },
  ...[-1, 1e308, 2 ** 53, '"NaN"', null].map((value, index): HostileCase => ({
    name: `engine-open-ping-interval-${String(index)}`,
    peer: () =>
      engineIo(
        JSON.stringify({ ...OPEN, pingInterval: 0 }).replace(
          '"pingInterval":0',
          `"pingInterval":${String(value)}`,
        ),
      ),
    fields: cognigy(),
    results: OPEN_REFUSED,
    check: pacedSessions,
  })),
  {
    name: 'engine-open-ping-timeout-huge',
    peer: () => engineIo(JSON.stringify({ ...OPEN, pingTimeout: 2 ** 31 - 2 })),
    fields: cognigy(),
    results: OPEN_REFUSED,
    check: pacedSessions,
  },
  {
    name: 'engine-open-invalid-utf8',
    peer: () => engineIo(INVALID_UTF8.toString('latin1')),
    fields: cognigy(),
    results: OPEN_REFUSED,
    check: pacedSessions,
  },
  {
    name: 'engine-connect-never-answered',
    peer: () => engineIo(JSON.stringify(OPEN)),
    fields: cognigy(),
    results: ['timeout'],
    check: pacedSessions,
  },
  {
    name: 'engine-garbage-packets',
    peer: () =>
      engineIo(
        JSON.stringify(OPEN),
        connected((send) => {
          for (const packet of [
            '9what',
            '42[bad json',
            '4',
            '42',
            '43',
            '46["x"]',
            '6'.repeat(10_000),
          ])
            send(packet);
        }),
      ),
    fields: cognigy(),
    results: ['success', 'timeout'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'engine-invalid-utf8-frame',
    peer: () =>
      engineIo(
        JSON.stringify(OPEN),
        connected((send) => {
          send(Buffer.concat([Buffer.from('42'), INVALID_UTF8]));
        }),
      ),
    fields: cognigy(),
    results: ['success', 'timeout'],
    closes: ['protocol_error'],
    check: pacedSessions,
  },
  {
    name: 'engine-ping-flood',
    // Engine.IO pings ("2") by the thousand: each is answered, the session carries on.
    peer: () =>
      engineIo(
        JSON.stringify(OPEN),
        connected((send, text) => {
          if (!text.startsWith('42')) return;
          for (let index = 0; index < 2_000; index++) send('2');
          send('42["output",{"type":"finalPing"}]');
        }),
      ),
    fields: cognigy(),
    results: ['success', 'timeout'],
    check(outcome) {
      expect(outcome.results.success).toBeGreaterThanOrEqual(2);
      expect(outcome.closes).toEqual({});
    },
  },
];

describeHostilePeers(
  'hostile bot peers: cognigy-rest, genesys-bot-connector, cxone-exchange',
  (Object.keys(BOT_KINDS) as BotKind[]).flatMap(botCases),
  { minMs: 4_500, maxMs: 15_000 },
);

describeHostilePeers(
  'hostile Cognigy Socket.IO and Engine.IO peers',
  [...socketIoCases, ...engineCases],
  {
    minMs: 5_500,
    maxMs: 12_000,
  },
);
