import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { WebSocketServer } from 'ws';
import { parseConfig } from '../../../src/config/load.ts';
import type { GenesysNotificationsTarget } from '../../../src/kinds/genesys-notifications/schema.ts';
import { createGenesysNotificationsProtocol } from '../../../src/probers/genesys-notifications.ts';
import { ConnectError, type SessionContext } from '../../../src/probers/session/types.ts';
import type { SessionEnd } from '../../../src/events/probe-event.ts';
import { CLOSE_REASON_CODES } from '../../../src/events/reasons.ts';
import { recordingEvents } from '../../support/session-events.ts';
import { shapedMessage, textFrame } from '../arbitraries.ts';
import {
  asyncOutcome,
  ensure,
  ensureBoundedText,
  ensureOneOf,
  fuzzTarget,
  type FuzzTarget,
} from '../target.ts';
import { NO_DEPS } from '../../support/probe-setup.ts';

/**
 * The Genesys Notifications prober parses the channel-creation answer and every frame inside its
 * session (src/probers/genesys-notifications*.ts), not in a pure function: so this target drives
 * the real protocol against a loopback API and WebSocket server. Each case is one channel answer
 * and a few frames, sent once the client's first ping shows it listens; a heartbeat sent after
 * them tells when the client has read them all.
 */

/** A frame that only records a heartbeat: the end-of-case marker. */
const HEARTBEAT = '{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}';
/** Longest a case may take before the session counts as wedged. */
const CASE_LIMIT_MS = 5_000;

interface NotificationsCase {
  /** The body of the channel-creation answer; undefined for a valid one. */
  channel: string | undefined;
  frames: { text: string; binary: boolean }[];
}

/** A loopback Notifications API (channel creation) and channel socket, scripted per case. */
class NotificationsPeer {
  current: NotificationsCase = { channel: undefined, frames: [] };
  private constructor(
    private readonly server: http.Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(): Promise<NotificationsPeer> {
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/channel' });
    const peer = new NotificationsPeer(server, wss);
    server.on('request', (req, res) => {
      req.resume();
      const body = peer.current.channel ?? JSON.stringify({ id: 'ch', connectUri: peer.wsUrl });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    wss.on('connection', (ws) => {
      // Frames go out when the client's first {"message":"ping"} shows its handler listens.
      ws.once('message', () => {
        for (const frame of peer.current.frames) ws.send(frame.text, { binary: frame.binary });
        ws.send(HEARTBEAT);
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return peer;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/channel`;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let peer: Promise<NotificationsPeer> | undefined;
let target: Promise<GenesysNotificationsTarget> | undefined;

async function loadTarget(apiUrl: string) {
  const config = await parseConfig(
    `
credentials:
  genesys:
    type: genesys
    region: us_east_1
    client_id: id
    client_secret: secret
    login_url: ${apiUrl}
    api_url: ${apiUrl}
targets:
  - name: notifications
    kind: genesys-notifications
    credential: genesys
    timeout: 2s
    ping: {interval: 20ms, timeout: 10s}
    heartbeat_interval: 1h
`,
    'fuzz.yml',
    {},
  );
  const loaded = config.targets[0];
  if (loaded?.kind !== 'genesys-notifications') throw new Error('no notifications target');
  return loaded;
}

const channelAnswer: fc.Arbitrary<string | undefined> = fc.option(
  fc.oneof(
    textFrame(),
    shapedMessage({
      id: ['ch', ''],
      connectUri: ['ws://127.0.0.1:1/refused', 'http://127.0.0.1/x', 'not a url'],
      expires: ['2026-12-03T18:00:00Z', '9999-12-31T23:59:59Z', 'soon'],
    }),
  ),
  { nil: undefined, freq: 2 },
);

const frame = fc.record({
  text: textFrame(
    shapedMessage({
      topicName: ['channel.metadata', 'v2.system.socket_closing', 'v2.users.x.presence'],
      eventBody: [{ message: 'WebSocket Heartbeat' }, { message: 'pong' }, {}, 'x'],
      result: ['404', '200', 404],
      message: ['ping'],
    }),
  ),
  binary: fc.constant(false),
});

const notificationsCase: fc.Arbitrary<NotificationsCase> = fc.record({
  channel: channelAnswer,
  frames: fc.array(
    fc.oneof(
      { weight: 9, arbitrary: frame },
      { weight: 1, arbitrary: frame.map((f) => ({ ...f, binary: true })) },
    ),
    { maxLength: 4 },
  ),
});

/** Opens one session against the scripted peer and waits until it read every frame or ended. */
async function checkCase(input: NotificationsCase): Promise<void> {
  peer ??= NotificationsPeer.start();
  const live = await peer;
  target ??= loadTarget(live.apiUrl);
  live.current = input;
  const protocol = createGenesysNotificationsProtocol(await target, NO_DEPS, live.apiUrl);
  const recorder = recordingEvents();
  let heard: () => void = () => undefined;
  const heartbeat = new Promise<void>((resolve) => {
    heard = resolve;
  });
  const context: SessionContext = {
    emit: (event) => {
      if (event.type === 'heartbeat') heard();
      else recorder.emit(event);
    },
    log: { info: () => undefined, error: () => undefined },
    signal: new AbortController().signal,
  };
  const opened = await asyncOutcome(() => protocol.open(context), ConnectError);
  if ('error' in opened) {
    // A channel answer it cannot use (or a connectUri that refuses) is a classified connect failure.
    ensureBoundedText(opened.error.message, 'connect error message');
    return;
  }
  const session = opened.value;
  let limit: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    session.ended.then((end) => ({ end })),
    heartbeat.then(() => ({ end: undefined })),
    new Promise<'wedged'>((resolve) => {
      limit = setTimeout(() => {
        resolve('wedged');
      }, CASE_LIMIT_MS);
    }),
  ]);
  clearTimeout(limit);
  session.close();
  const end: SessionEnd = await session.ended;
  ensure(outcome !== 'wedged', 'the session neither read the frames nor ended');
  ensureOneOf(end.reason, CLOSE_REASON_CODES, 'close reason');
  ensureBoundedText(end.message, 'close message');
}

export const NOTIFICATIONS_LIVE_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'genesys-notifications channel answer + frames (live session)',
    arbitrary: notificationsCase,
    check: checkCase,
    async teardown() {
      const started = peer;
      peer = undefined;
      target = undefined;
      await (await started)?.close();
    },
  }),
];
