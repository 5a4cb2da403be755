import { randomUUID } from 'node:crypto';
import type { Target } from '../config/load.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import { parseJsonBody } from './http/expectations.ts';
import type { ProberDeps } from './deps.ts';
import { isObject } from './bot-turn.ts';
import { Pinger, startControlPings } from './session/pingers.ts';
import { SocketSession } from './session/socket-session.ts';
import { rawText } from './session/steps.ts';
import { ConnectError, type SessionContext, type SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';

type NotificationsTarget = Extract<Target, { kind: 'genesys-notifications' }>;

const DEFAULT_PING = { interval: 30_000, timeout: 10_000 };
const DEFAULT_HEARTBEAT_MS = 30_000;
/** Channels live 24 h; roll over an hour early, as the community clients do. */
const DEFAULT_ROLLOVER_MS = 23 * 3_600_000;
/** Two missed heartbeats mean the socket is dead even if TCP says otherwise. */
const HEARTBEATS_BEFORE_DEAD = 2;

interface Channel {
  id: string;
  connectUri: string;
  createdAt: number;
}

/**
 * `kind: genesys-notifications` — a Notifications API channel kept alive like the Genesys SDKs
 * keep it: create a channel, connect to its `connectUri`, subscribe topics, time the
 * `{"message":"ping"}` → pong round trip, watch the ~30 s server heartbeats, reconnect at once on
 * `v2.system.socket_closing` (a planned close), roll the channel over before its 24 h lifetime
 * and create a new one when the old one is gone (404).
 */
export function createGenesysNotificationsProtocol(
  target: NotificationsTarget,
  deps: ProberDeps,
  apiUrl: string,
): SessionProtocol {
  const tokens = deps.tokenSource(target.credential);
  let channel: Channel | undefined;
  const rolloverMs = target.channel_rollover ?? DEFAULT_ROLLOVER_MS;

  async function createChannel(context: SessionContext): Promise<Channel> {
    const exchange = await requestWithCredential(
      {
        url: `${apiUrl}/api/v2/notifications/channels`,
        method: 'POST',
        headers: { accept: 'application/json' },
        followRedirects: false,
      },
      tokens,
      { signal: context.signal, timeoutMs: target.timeout, log: context.log },
    );
    if (!exchange.ok) {
      throw new ConnectError(
        exchange.reason,
        `channel creation failed: ${exchange.message}`,
        exchange.status,
      );
    }
    if (exchange.status !== 200) {
      throw new ConnectError(
        exchange.status === 401
          ? 'unauthorized'
          : exchange.status === 429
            ? 'rate_limited'
            : 'unexpected_status',
        `channel creation answered HTTP ${exchange.status}`,
        exchange.status,
      );
    }
    const body = parseJsonBody(exchange.body)?.value;
    if (!isObject(body) || typeof body.connectUri !== 'string' || typeof body.id !== 'string') {
      throw new ConnectError('invalid_json', 'channel creation answered without connectUri and id');
    }
    context.log.info('created a notification channel');
    return { id: body.id, connectUri: body.connectUri, createdAt: Date.now() };
  }

  return {
    async open(context) {
      if (channel !== undefined && Date.now() - channel.createdAt >= rolloverMs)
        channel = undefined;
      channel ??= await createChannel(context);
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
      const session = new SocketSession(connected.socket, () => announced);
      const { socket } = session;
      const protocolOpen = await subscribe(socket, target, context).catch((error: unknown) => {
        socket.close(1000, 'subscribe failed');
        if (error instanceof ConnectError && error.reason === 'channel_gone') channel = undefined;
        throw error;
      });
      context.events.connected({
        ...connected.phases,
        protocol_open: protocolOpen ?? (performance.now() - started) / 1000,
      });
      context.events.healthy(true, 'connected');

      const ping = target.ping ?? DEFAULT_PING;
      const appPinger = new Pinger(
        'application',
        { intervalMs: ping.interval, timeoutMs: ping.timeout },
        context.events,
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
      startControlPings(session, target.control_ping, context.events);

      const heartbeatMs = target.heartbeat_interval ?? DEFAULT_HEARTBEAT_MS;
      let lastHeartbeat = performance.now();
      let missedReported = 0;
      const watchdog = setInterval(
        () => {
          const silentMs = performance.now() - lastHeartbeat;
          const missed = Math.floor(silentMs / heartbeatMs) - 1;
          for (; missedReported < missed; missedReported++) context.events.heartbeatMissed();
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
              message: 'channel lifetime nearly over',
              immediate: true,
            },
            { code: 1000, reason: 'channel rollover' },
          );
        },
        Math.max(0, current.createdAt + rolloverMs - Date.now()),
      );
      session.onEnd(() => {
        clearInterval(watchdog);
        clearTimeout(rollover);
      });

      socket.on('message', (data, isBinary) => {
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
          context.events.heartbeat((now - lastHeartbeat) / 1000);
          // A late heartbeat that the watchdog did not already count reveals the ones it skipped.
          const missed = Math.round((now - lastHeartbeat) / heartbeatMs) - 1;
          for (; missedReported < missed; missedReported++) context.events.heartbeatMissed();
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
      });
      return session;
    },
  };
}

/** Subscribes the topics and waits for the answer; resolves the protocol-open time in seconds. */
async function subscribe(
  socket: import('ws').WebSocket,
  target: NotificationsTarget,
  context: SessionContext,
): Promise<number | undefined> {
  if (target.topics === undefined || target.topics.length === 0) return undefined;
  const started = performance.now();
  const correlationId = randomUUID();
  socket.send(JSON.stringify({ message: 'subscribe', topics: target.topics, correlationId }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new ConnectError('timeout', 'no answer to subscribe'));
    }, target.timeout);
    const onMessage = (data: import('ws').RawData) => {
      const reply = parseJsonBody(rawText(data))?.value;
      if (!isObject(reply) || typeof reply.result !== 'string') return;
      cleanup();
      if (reply.result === '200') resolve();
      else if (reply.result === '404')
        reject(new ConnectError('channel_gone', 'subscribe answered 404: channel gone'));
      else reject(new ConnectError('unexpected_status', `subscribe answered ${reply.result}`));
    };
    const onClose = (code: number) => {
      cleanup();
      reject(
        new ConnectError('connection_reset', `socket closed (${code}) before subscribe answer`),
      );
    };
    const onAbort = () => {
      cleanup();
      reject(new ConnectError('timeout', 'aborted'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      // One listener per connect would otherwise pile up on the runner's long-lived signal.
      context.signal.removeEventListener('abort', onAbort);
    };
    socket.on('message', onMessage);
    socket.once('close', onClose);
    context.signal.addEventListener('abort', onAbort, { once: true });
  });
  return (performance.now() - started) / 1000;
}
