import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ABSURD_NUMBERS,
  INVALID_UTF8,
  closeCount,
  describeHostilePeers,
  startTcpPeer,
  type HostileCase,
  type Peer,
} from '../support/hostile-peers.ts';

/**
 * Issue 9, hostile-peer suite, streaming audio kinds: `audiohook` (AudioHook / Audio Connector)
 * and `voicegateway-listen` (jambonz listen) against `ws` servers that break the protocol on
 * the JSON layer — forged sequence numbers, absurd numbers in every numeric field, oversized
 * and garbage messages, floods, transactions never answered — and an echo server that forges
 * the position tags. The WebSocket layer below is the same `ws` client as `kind: websocket`,
 * hammered in peers-websocket.test.ts.
 */

/** A real `ws` server on loopback that accepts the first subprotocol offered. */
async function startWsPeer(onConnection: (ws: WebSocket) => void): Promise<Peer> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 16 * 1_048_576,
    handleProtocols: (protocols) => [...protocols][0] ?? false,
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  let connections = 0;
  wss.on('connection', (ws) => {
    connections += 1;
    ws.on('error', () => undefined);
    onConnection(ws);
  });
  const { port } = wss.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    port,
    connections: () => connections,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => {
          resolve();
        });
      })),
  };
}

const wsUrl = (peer: Peer) => peer.origin.replace('http:', 'ws:');

/** Sessions of 1 s every 2 s, short timeouts, a quick back-off: several sessions per case. */
const AUDIO_TIMING = [
  'timeout: 1s',
  'interval: 2s',
  'session_length: 1s',
  'frame_duration: 20ms',
  'reconnect: {initial: 200ms, max: 1s}',
];

const audiohook =
  (extra: string[] = []) =>
  (peer: Peer) =>
    [
      'kind: audiohook',
      `url: ${wsUrl(peer)}/ah`,
      'api_key: key',
      'client_secret: c2VjcmV0',
      'open_timeout: 1s',
      'close_timeout: 1s',
      'ping: {interval: 300ms, timeout: 500ms}',
      ...AUDIO_TIMING,
      ...extra,
    ].join('\n');

const listen =
  (extra: string[] = []) =>
  (peer: Peer) =>
    ['kind: voicegateway-listen', `url: ${wsUrl(peer)}/listen`, ...AUDIO_TIMING, ...extra].join(
      '\n',
    );

/** Sessions paced by the 2 s interval or the back-off: never a flood. */
function pacedSessions(
  outcome: Parameters<NonNullable<HostileCase['check']>>[0],
  peer: Peer,
  run: Parameters<NonNullable<HostileCase['check']>>[2],
) {
  const bound = Math.ceil(run.healthy.watchedMs / 200) + 3;
  expect(peer.connections()).toBeLessThanOrEqual(bound);
  expect(closeCount(outcome)).toBeLessThanOrEqual(bound);
}

// ---------------------------------------------------------------------------------------------
// AudioHook

interface ClientMessage {
  type: string;
  seq: number;
  parameters: Record<string, unknown>;
}

/**
 * An AudioHook server speaking the version-2 envelope by hand (docs/protocols.md §3.4): `reply`
 * decides the answer to each client message; `send` numbers the server's messages unless the
 * case forges `seq` itself.
 */
const audiohookPeer = (
  reply: (
    message: ClientMessage,
    send: (type: string, parameters: unknown, envelope?: Record<string, unknown>) => void,
    ws: WebSocket,
  ) => void,
) =>
  startWsPeer((ws) => {
    let seq = 0;
    let clientSeq = 0;
    const send = (type: string, parameters: unknown, envelope: Record<string, unknown> = {}) => {
      seq += 1;
      if (ws.readyState !== ws.OPEN) return;
      ws.send(
        JSON.stringify({
          version: '2',
          id: 'x',
          type,
          seq,
          clientseq: clientSeq,
          parameters,
          ...envelope,
        }),
      );
    };
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: ClientMessage;
      try {
        message = JSON.parse((data as Buffer).toString('utf8')) as ClientMessage;
      } catch {
        return;
      }
      clientSeq = message.seq;
      reply(message, send, ws);
    });
  });

/** The conformant answers: opened with the first offer, pong, closed. */
function conformant(
  message: ClientMessage,
  send: (type: string, parameters: unknown, envelope?: Record<string, unknown>) => void,
): void {
  if (message.type === 'open') {
    send('opened', { media: [(message.parameters.media as unknown[])[0]] });
  } else if (message.type === 'ping') send('pong', {});
  else if (message.type === 'close') send('closed', {});
}

const AUDIOHOOK_CLOSES = [
  'completed',
  'protocol_error',
  'server_error',
  'open_timeout',
  'close_timeout',
  'ping_timeout',
  'message_too_big',
];

const audiohookCases: HostileCase[] = [
  {
    name: 'ah-tcp-silent',
    peer: () => startTcpPeer((socket) => socket.resume()),
    fields: audiohook(),
    results: ['timeout'],
    check: pacedSessions,
  },
  {
    name: 'ah-open-never-answered',
    peer: () => audiohookPeer(() => undefined),
    fields: audiohook(),
    results: ['open_timeout'],
    check: pacedSessions,
  },
  {
    name: 'ah-close-never-answered',
    peer: () =>
      audiohookPeer((message, send) => {
        if (message.type !== 'close') conformant(message, send);
      }),
    fields: audiohook(),
    results: ['success'],
    closes: ['close_timeout'],
    check: pacedSessions,
  },
  ...[2, -1, 2 ** 53, 1e308, '1', 'NaN', null].map((seq, index): HostileCase => ({
    name: `ah-forged-seq-${String(index)}`,
    // The opened itself carries the forged seq: the open transaction fails as a violation.
    peer: () =>
      audiohookPeer((message, send) => {
        if (message.type === 'open') {
          send('opened', { media: [(message.parameters.media as unknown[])[0]] }, { seq });
        } else conformant(message, send);
      }),
    fields: audiohook(),
    results: ['protocol_error'],
    check(outcome, peer, run) {
      expect(Object.keys(outcome.violations).length).toBeGreaterThan(0);
      pacedSessions(outcome, peer, run);
    },
  })),
  {
    name: 'ah-seq-jumps-mid-session',
    peer: () =>
      audiohookPeer((message, send) => {
        if (message.type === 'ping') send('pong', {}, { seq: 2 ** 53 });
        else conformant(message, send);
      }),
    fields: audiohook(),
    results: ['success'],
    // A jump while the session is open ends it as protocol_error; one during our close
    // transaction (the session length is reached) leaves its `closed` unrecognised.
    closes: ['protocol_error', 'close_timeout'],
    check(outcome, peer, run) {
      expect(outcome.violations.seq).toBeGreaterThanOrEqual(1);
      pacedSessions(outcome, peer, run);
    },
  },
  ...ABSURD_NUMBERS.map((rate, index): HostileCase => ({
    name: `ah-opened-rate-${String(index)}`,
    peer: () =>
      audiohookPeer((message, send) => {
        if (message.type === 'open') {
          const offer = (message.parameters.media as Record<string, unknown>[])[0];
          send('opened', { media: [{ ...offer, rate }] });
        } else conformant(message, send);
      }),
    fields: audiohook(),
    results: ['protocol_error'],
    check: pacedSessions,
  })),
  {
    name: 'ah-opened-discard-to-huge',
    peer: () =>
      audiohookPeer((message, send) => {
        if (message.type === 'open') {
          send('opened', {
            media: [(message.parameters.media as unknown[])[0]],
            discardTo: `PT${'9'.repeat(400)}S`,
            startPaused: true,
          });
        } else conformant(message, send);
      }),
    fields: audiohook(),
    results: ['success', 'protocol_error'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'ah-pong-flood',
    // Unsolicited pongs by the hundred, with clientseqs of every kind: each a violation.
    peer: () =>
      audiohookPeer((message, send) => {
        conformant(message, send);
        if (message.type === 'ping') {
          for (const clientseq of [...ABSURD_NUMBERS, ...Array.from({ length: 200 }, () => 0)]) {
            send('pong', {}, { clientseq });
          }
        }
      }),
    fields: audiohook(),
    results: ['success'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'ah-huge-disconnect-info',
    peer: () =>
      audiohookPeer((message, send) => {
        conformant(message, send);
        if (message.type === 'open')
          send('disconnect', { reason: 'error', info: 'i'.repeat(200_000) });
      }),
    fields: audiohook(),
    results: ['success', 'protocol_error'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'ah-garbage-text',
    peer: () =>
      audiohookPeer((message, send, ws) => {
        conformant(message, send);
        if (message.type === 'open') {
          ws.send('{"version":"2","type":');
          ws.send(Buffer.concat([INVALID_UTF8, Buffer.from('}')]), { binary: false });
        }
      }),
    fields: audiohook(),
    results: ['success', 'protocol_error'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'ah-binary-garbage',
    // Odd-sized binary frames where audio would go (Audio Connector bots send audio back).
    peer: () =>
      audiohookPeer((message, send, ws) => {
        conformant(message, send);
        if (message.type === 'open') {
          for (const size of [1, 3, 7, 159, 161, 65_537]) ws.send(Buffer.alloc(size, 0x55));
        }
      }),
    fields: audiohook(),
    results: ['success'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'ah-event-absurd',
    peer: () =>
      audiohookPeer((message, send) => {
        conformant(message, send);
        if (message.type === 'open') {
          send('event', {
            entities: [
              {
                type: 'transcript',
                data: { position: 'PT-5S', duration: 1e308, offset: 2 ** 53, channel: -1 },
              },
            ],
          });
          send('updated', { sampleRate: 'NaN', position: -1 });
          send('pause', {});
          send('resume', {});
          send('reconnect', { info: 'i'.repeat(1000) });
        }
      }),
    fields: audiohook(),
    results: ['success'],
    closes: AUDIOHOOK_CLOSES,
    check: pacedSessions,
  },
];

// ---------------------------------------------------------------------------------------------
// voicegateway-listen

const LISTEN_CLOSES = [
  'completed',
  'server_close',
  'server_error',
  'protocol_error',
  'message_too_big',
];

/**
 * A listen application server: `onMetadata` once jambonz's first text frame (the call metadata)
 * came, as application servers answer; `onBinary` for every audio frame.
 */
const listenPeer = (
  onMetadata: (ws: WebSocket) => void,
  onBinary: (ws: WebSocket, data: Buffer, index: number) => void = () => undefined,
) =>
  startWsPeer((ws) => {
    let binaries = 0;
    let texts = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) onBinary(ws, data as Buffer, binaries++);
      else if (texts++ === 0) onMetadata(ws);
    });
  });

const play = (data: Record<string, unknown>) =>
  JSON.stringify({
    type: 'playAudio',
    data: { audioContent: 'AAAAAA==', audioContentType: 'raw', sampleRate: 8000, ...data },
  });

/** A WAV header whose fields lie: rate 2^32-1, no channels, a data chunk of 4 GiB. */
function lyingWav(): string {
  const header = Buffer.alloc(48);
  header.write('RIFF', 0);
  header.writeUInt32LE(0xffffffff, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(0, 22);
  header.writeUInt32LE(0xffffffff, 24);
  header.writeUInt32LE(0xffffffff, 28);
  header.writeUInt16LE(0, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(0xffffffff, 40);
  return header.toString('base64');
}

const listenCases: HostileCase[] = [
  {
    name: 'listen-tcp-silent',
    peer: () => startTcpPeer((socket) => socket.resume()),
    fields: listen(),
    results: ['timeout'],
    check: pacedSessions,
  },
  {
    name: 'listen-absurd-sample-rates',
    peer: () =>
      listenPeer((ws) => {
        for (const sampleRate of ABSURD_NUMBERS) ws.send(play({ sampleRate }));
      }),
    fields: listen(),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check(outcome, peer, run) {
      expect(outcome.violations.play_audio_sample_rate).toBeGreaterThanOrEqual(
        ABSURD_NUMBERS.length - 1,
      );
      pacedSessions(outcome, peer, run);
    },
  },
  {
    name: 'listen-absurd-fields',
    peer: () =>
      listenPeer((ws) => {
        ws.send(play({ id: 1e308, queuePlay: 'NaN' }));
        ws.send(play({ id: -1, queuePlay: true, audioContent: 'not base64!' }));
        ws.send(play({ audioContentType: 'wav', audioContent: lyingWav() }));
        ws.send(JSON.stringify({ type: 'mark', data: { name: 'm'.repeat(100_000) } }));
        ws.send(JSON.stringify({ type: 'mark', data: { name: 2 ** 53 } }));
        ws.send(JSON.stringify({ type: 'playAudio', data: 1e308 }));
        ws.send(JSON.stringify({ type: 2 ** 53 }));
        ws.send(JSON.stringify([1, 2, 3]));
        ws.send('{"type":"playAudio","data":');
        ws.send(Buffer.concat([INVALID_UTF8, Buffer.from('}')]), { binary: false });
      }),
    fields: listen(),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'listen-huge-clip',
    // 5.7 MB of base64 (4.3 MB of audio): over the 4 MiB clip limit, under the 6 MiB frame.
    peer: () =>
      listenPeer((ws) => {
        ws.send(play({ audioContent: Buffer.alloc(4_300_000).toString('base64') }));
      }),
    fields: listen(),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check(outcome, peer, run) {
      expect(outcome.violations.play_audio_too_big).toBeGreaterThanOrEqual(1);
      pacedSessions(outcome, peer, run);
    },
  },
  {
    name: 'listen-oversized-frame',
    peer: () =>
      listenPeer((ws) => {
        ws.send(Buffer.alloc(7 * 1_048_576));
      }),
    fields: listen(),
    results: ['success'],
    closes: ['message_too_big'],
    // A session may run its 1 s course before 7 MiB crossed a loaded loopback.
    tolerated: ['completed'],
    check: pacedSessions,
  },
  {
    name: 'listen-command-flood',
    peer: () =>
      listenPeer((ws) => {
        for (let index = 0; index < 2_000; index++) {
          ws.send(index % 2 === 0 ? '{"type":"killAudio"}' : '{"type":"clearMarks"}');
        }
      }),
    fields: listen(),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'listen-binary-garbage',
    peer: () =>
      listenPeer((ws) => {
        for (const size of [1, 3, 321, 65_537]) ws.send(Buffer.alloc(size, 0x7f));
      }),
    fields: listen(),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check: pacedSessions,
  },
  {
    name: 'listen-echo-forged-position',
    // An echo server that rewrites the first frame's position tag ("CXP1" + uint32) to 2^32-16.
    peer: () =>
      listenPeer(
        () => undefined,
        (ws, data, index) => {
          const echoed = Buffer.from(data);
          if (index === 0 && echoed.length >= 16) echoed.writeUInt32BE(0xfffffff0, 4);
          ws.send(echoed);
        },
      ),
    fields: listen(['echo: true']),
    results: ['success'],
    closes: LISTEN_CLOSES,
    check(outcome) {
      // One forged tag may cost one frame, not millions: 1 s sessions carry 50 frames each.
      expect(outcome.framesLost).toBeLessThanOrEqual(100 * (closeCount(outcome) + 1));
    },
  },
];

describeHostilePeers('hostile AudioHook peers', audiohookCases, { minMs: 4_500, maxMs: 12_000 });

describeHostilePeers('hostile jambonz listen peers', listenCases, { minMs: 4_500, maxMs: 12_000 });
