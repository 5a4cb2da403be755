import fc from 'fast-check';
import WebSocket from 'ws';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { call, genesysToken, json, postJson } from '../../support/simulator-http.ts';
import { wsUrl } from '../../support/simulator-ws.ts';
import { shapedMessage, textFrame } from '../arbitraries.ts';
import { ensure, fuzzTarget, type FuzzTarget } from '../target.ts';

/**
 * The simulator's Genesys Notifications socket reads client frames inside its `ws` handler
 * (src/simulator/platforms/genesys/notifications/socket.ts): this target sends it fuzzed frames over a
 * real channel socket, then `{"message":"ping"}`, and requires the pong, proof that it read them
 * all and is still serving. A socket it closed is replaced by a new channel.
 */

const PING = '{"message":"ping"}';
const CASE_LIMIT_MS = 5_000;

interface LiveChannel {
  ws: WebSocket;
  pongs: number;
  closed: boolean;
  onPong: (() => void) | undefined;
}

let sim: Promise<RunningSimulator> | undefined;
let channel: Promise<LiveChannel> | undefined;

async function openChannel(running: RunningSimulator): Promise<LiveChannel> {
  const token = await genesysToken(running);
  const created = await call(
    running,
    '/api/v2/notifications/channels',
    postJson({}, { authorization: `Bearer ${token}` }),
  );
  const { connectUri } = json(created) as { connectUri: string };
  const ws = new WebSocket(wsUrl(running, new URL(connectUri).pathname));
  const live: LiveChannel = { ws, pongs: 0, closed: false, onPong: undefined };
  ws.on('message', (data: Buffer) => {
    if (!data.toString('utf8').includes('"message":"pong"')) return;
    live.pongs += 1;
    live.onPong?.();
  });
  ws.on('close', () => {
    live.closed = true;
    live.onPong?.();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return live;
}

/** How many of `frames` the simulator takes for an application ping. */
function pingsIn(frames: readonly string[]): number {
  return frames.filter((text) => {
    try {
      const value: unknown = JSON.parse(text);
      return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        (value as { message?: unknown }).message === 'ping'
      );
    } catch {
      return false;
    }
  }).length;
}

async function checkFrames(frames: string[]): Promise<void> {
  sim ??= startSimulator();
  const running = await sim;
  let live = await (channel ??= openChannel(running));
  if (live.closed) live = await (channel = openChannel(running));
  const wanted = live.pongs + pingsIn(frames) + 1;
  const answered = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, CASE_LIMIT_MS);
    live.onPong = () => {
      if (live.pongs >= wanted || live.closed) {
        clearTimeout(timer);
        resolve(true);
      }
    };
  });
  for (const text of frames) live.ws.send(text);
  live.ws.send(PING);
  const ok = await answered;
  live.onPong = undefined;
  if (!ok) {
    // The next case gets a fresh channel rather than waiting on a dead one.
    live.ws.terminate();
    channel = undefined;
  }
  ensure(ok, 'the simulator neither answered the ping nor closed the socket');
}

export const SIMULATOR_LIVE_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'simulator Genesys notifications socket frames (live)',
    arbitrary: fc.array(
      textFrame(
        shapedMessage({
          message: ['subscribe', 'unsubscribe', 'ping'],
          topics: [['v2.users.a.presence'], [], ['bad topic']],
          correlationId: ['c1', 1],
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    check: checkFrames,
    async teardown() {
      const opened = channel;
      const started = sim;
      channel = undefined;
      sim = undefined;
      (await opened)?.ws.terminate();
      await (await started)?.close();
    },
  }),
];
