import type { GenesysNotificationsTarget } from '../kinds/genesys-notifications/schema.ts';
import { parseJsonBody } from './http/expectations.ts';
import type { ProberDeps } from './deps.ts';
import { isObject } from './bot-turn.ts';
import {
  channelAlive,
  createChannel,
  MAX_TIMER_MS,
  type NotificationChannel,
  type RolloverPolicy,
} from './genesys-notifications-channel.ts';
import {
  NotificationsSession,
  tokenExpired,
  tokenExpiredEnd,
} from './genesys-notifications-session.ts';
import { subscribeRest, subscribeSocket } from './genesys-notifications-subscribe.ts';
import { Pinger, startControlPings } from './session/pingers.ts';
import { rawText } from './session/steps.ts';
import { ConnectError, type SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';
import type { RawData, WebSocket } from 'ws';

const DEFAULT_PING = { interval: 30_000, timeout: 10_000 };
const DEFAULT_HEARTBEAT_MS = 30_000;
/** Without a usable `expires`: channels live 24 h; roll over an hour early (docs/protocols.md §2.4). */
const DEFAULT_ROLLOVER_MS = 23 * 3_600_000;
/** Replace a channel this long before the `expires` the API gave (docs/protocols.md §2.4). */
const DEFAULT_ROLLOVER_MARGIN_MS = 3_600_000;
/** Two missed heartbeats mean the socket is dead even if TCP says otherwise. */
const HEARTBEATS_BEFORE_DEAD = 2;

/**
 * `kind: genesys-notifications` — a Notifications API channel kept alive like the Genesys SDKs
 * keep it (docs/protocols.md §2): create a channel, connect to its `connectUri`, subscribe the
 * topics over REST (or the socket, `subscribe_via`), time the `{"message":"ping"}` → pong round
 * trip, watch the ~30 s server heartbeats, reconnect at once on `v2.system.socket_closing` and
 * when the channel's token expired (both planned), roll the channel over before the `expires`
 * the API returned, and create a new one when the old one is gone (`HEAD` or the upgrade says 404).
 */
export function createGenesysNotificationsProtocol(
  target: GenesysNotificationsTarget,
  deps: ProberDeps,
  apiUrl: string,
): SessionProtocol {
  const tokens = deps.tokenSource(target.credential);
  let channel: NotificationChannel | undefined;
  const policy: RolloverPolicy = {
    fallbackMs: target.channel_rollover ?? DEFAULT_ROLLOVER_MS,
    marginMs: target.rollover_before_expiry ?? DEFAULT_ROLLOVER_MARGIN_MS,
  };
  const topics = target.topics ?? [];
  const subscribeVia = target.subscribe_via ?? 'rest';

  return {
    async open(context) {
      // A channel past its rollover time, or whose token expired, is not worth reconnecting to.
      if (
        channel !== undefined &&
        (Date.now() >= channel.rolloverAt || tokenExpired(channel.tokenExpiresAt))
      ) {
        channel = undefined;
      }
      // Before reusing a channel after a drop, ask whether it still exists, as the SDK offers:
      // an evicted or expired one is replaced at once instead of failing the upgrade with 404.
      if (
        channel !== undefined &&
        (await channelAlive(apiUrl, channel.id, tokens, target.timeout, context)) === false
      ) {
        context.log.info('the channel is gone (HEAD 404); creating a new one');
        channel = undefined;
      }
      channel ??= await createChannel(apiUrl, tokens, target.timeout, policy, context);
      const current = channel;
      const started = performance.now();
      const ca = await deps.readCa(target.tls?.ca_file);
      let connected;
      try {
        connected = await connectWebSocket({
          url: current.connectUri,
          timeoutMs: target.timeout,
          ...(target.max_payload === undefined ? {} : { maxPayload: target.max_payload }),
          insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
          ...(ca === undefined ? {} : { ca }),
          signal: context.signal,
        });
      } catch (error) {
        // The channel expired or was evicted (the 21st channel of a client removes the oldest).
        if (error instanceof ConnectError && error.httpStatus === 404) channel = undefined;
        throw error;
      }
      let announced = false;
      const session = new NotificationsSession(
        connected.socket,
        () => announced,
        current.tokenExpiresAt,
      );
      const { socket } = session;
      // Everything the server sends from the first byte on is handled, in order: a
      // socket_closing or heartbeat in the same write as the subscribe answer (or during the
      // REST subscribe) is replayed once the session is set up, never dropped.
      const early = new EarlyMessages(socket);
      const subscribeStarted = performance.now();
      try {
        if (topics.length > 0 && subscribeVia === 'websocket') {
          await subscribeSocket(socket, topics, target.timeout, context);
        } else if (topics.length > 0) {
          await subscribeRest(apiUrl, current.id, topics, tokens, target.timeout, context);
          // The socket may have gone while the REST call was in flight: not a session to report.
          if (socket.readyState !== socket.OPEN) {
            throw new ConnectError('connection_reset', 'socket closed during the REST subscribe');
          }
        }
      } catch (error) {
        early.stop();
        socket.close(1000, 'subscribe failed');
        if (error instanceof ConnectError && error.reason === 'channel_gone') channel = undefined;
        throw error;
      }
      context.emit({
        type: 'connected',
        phases: {
          ...connected.phases,
          protocol_open:
            (performance.now() - (topics.length > 0 ? subscribeStarted : started)) / 1000,
        },
      });
      context.emit({ type: 'health', healthy: true, detail: 'connected' });

      const ping = target.ping ?? DEFAULT_PING;
      const appPinger = new Pinger(
        'application',
        { intervalMs: ping.interval, timeoutMs: ping.timeout },
        context.emit,
        () => {
          socket.send(JSON.stringify({ message: 'ping' }));
        },
        () => {
          session.finish({
            code: 1006,
            reason: 'ping_timeout',
            abnormal: true,
            message: 'no pong to {"message":"ping"}',
          });
        },
      );
      if (ping.interval > 0) appPinger.start();
      session.onEnd(() => {
        appPinger.stop();
      });
      startControlPings(session, target.control_ping, context.emit);

      const heartbeatMs = target.heartbeat_interval ?? DEFAULT_HEARTBEAT_MS;
      let lastHeartbeat = performance.now();
      let missedReported = 0;
      const watchdog = setInterval(
        () => {
          const silentMs = performance.now() - lastHeartbeat;
          const missed = Math.floor(silentMs / heartbeatMs) - 1;
          for (; missedReported < missed; missedReported++)
            context.emit({ type: 'heartbeat_missed' });
          if (silentMs > heartbeatMs * HEARTBEATS_BEFORE_DEAD) {
            session.finish({
              code: 1006,
              reason: 'heartbeat_missed',
              abnormal: true,
              message: `no heartbeat for ${Math.round(silentMs / 1000)} s`,
            });
          }
        },
        Math.min(heartbeatMs / 2, 5_000),
      );
      const rollover = setTimeout(
        () => {
          channel = undefined;
          session.finish(
            {
              code: 1000,
              reason: 'rollover',
              abnormal: false,
              message: `channel lifetime nearly over (from ${current.rolloverFrom})`,
              immediate: true,
            },
            { code: 1000, reason: 'channel rollover' },
          );
        },
        Math.min(Math.max(0, current.rolloverAt - Date.now()), MAX_TIMER_MS),
      );
      session.onEnd(() => {
        clearInterval(watchdog);
        clearTimeout(rollover);
      });

      const onMessage = (data: RawData, isBinary: boolean) => {
        if (isBinary) {
          session.finish(
            {
              code: 1003,
              reason: 'protocol_error',
              abnormal: true,
              message: 'binary frame on a JSON channel',
            },
            { code: 1003, reason: 'binary not accepted' },
          );
          return;
        }
        const message = parseJsonBody(rawText(data))?.value;
        if (!isObject(message)) {
          session.finish(
            {
              code: 1007,
              reason: 'protocol_error',
              abnormal: true,
              message: 'non-JSON text frame',
            },
            { code: 1007, reason: 'expected JSON' },
          );
          return;
        }
        const topic = message.topicName;
        const body = isObject(message.eventBody) ? message.eventBody : {};
        if (topic === 'channel.metadata' && body.message === 'WebSocket Heartbeat') {
          const now = performance.now();
          context.emit({ type: 'heartbeat', gapSeconds: (now - lastHeartbeat) / 1000 });
          // A late heartbeat that the watchdog did not already count reveals the ones it skipped.
          const missed = Math.round((now - lastHeartbeat) / heartbeatMs) - 1;
          for (; missedReported < missed; missedReported++)
            context.emit({ type: 'heartbeat_missed' });
          lastHeartbeat = now;
          missedReported = 0;
        } else if (topic === 'channel.metadata' && body.message === 'pong') {
          appPinger.pong(undefined);
        } else if (topic === 'v2.system.socket_closing') {
          announced = true;
          context.log.info('server announced socket_closing; reconnecting now');
          session.finish(
            {
              code: 1000,
              reason: 'planned',
              abnormal: false,
              message: 'v2.system.socket_closing',
              immediate: true,
            },
            { code: 1000, reason: 'planned reconnect' },
          );
        } else if (message.result === '404') {
          channel = undefined;
          if (tokenExpired(current.tokenExpiresAt)) {
            session.finish(tokenExpiredEnd(1000, 'server answered 404 after the token expired'), {
              code: 1000,
              reason: 'token expired',
            });
            return;
          }
          session.finish(
            {
              code: 1000,
              reason: 'channel_gone',
              abnormal: true,
              message: 'server answered 404: channel gone',
            },
            { code: 1000, reason: 'channel gone' },
          );
        }
      };
      early.handOver(onMessage);
      return session;
    },
  };
}

/** Messages kept between the upgrade and the session's own handler: a handful, bounded. */
const MAX_EARLY_MESSAGES = 256;

/**
 * Holds the messages that arrive before the session's handler is attached (`ws` emits every
 * frame of a TCP segment in one go, before an awaited subscribe can resume), then replays them
 * to it in order and lets it take over. Past the bound the oldest are dropped: a server flooding
 * us before it even answered the subscribe is not owed every one.
 */
class EarlyMessages {
  private readonly held: [RawData, boolean][] = [];
  private readonly hold = (data: RawData, isBinary: boolean) => {
    if (this.held.length >= MAX_EARLY_MESSAGES) this.held.shift();
    this.held.push([data, isBinary]);
  };

  constructor(private readonly socket: WebSocket) {
    socket.on('message', this.hold);
  }

  stop(): void {
    this.socket.off('message', this.hold);
    this.held.length = 0;
  }

  handOver(handler: (data: RawData, isBinary: boolean) => void): void {
    this.socket.off('message', this.hold);
    this.socket.on('message', handler);
    for (const [data, isBinary] of this.held.splice(0)) handler(data, isBinary);
  }
}
