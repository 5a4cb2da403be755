import type { WebSocket } from 'ws';
import { stringifyPeerValue } from '../../../../text/json-quote.ts';
import type { SimulatorContext } from '../../../core/context.ts';
import { ChannelStore, type Channel, type ChannelLimits, type ChannelRemoval } from './channels.ts';
import { topicProblem } from './topics.ts';
import { isRecord } from '../../../core/http/reply.ts';
import { createWsServer, openWsSession } from '../../../core/ws/connection.ts';
import type { WsHub } from '../../../core/ws/hub.ts';
import type { WsSession } from '../../../core/ws/session.ts';
import { refuseUpgrade, type UpgradeRoute } from '../../../core/ws/upgrade.ts';

const KEY = 'genesys_notifications';

/** Truth counter of each way a channel ends. */
const REMOVAL_COUNTERS = {
  evicted: 'channels_evicted',
  expired: 'channels_expired',
  token_expired: 'channels_token_expired',
} as const satisfies Record<ChannelRemoval, string>;

/**
 * Close reason of a channel's socket, by why the channel ended. Genesys closes with 1001
 * (docs/protocols.md §2.4); the reason text is the simulator's own.
 */
const REMOVAL_REASONS: Record<ChannelRemoval, string> = {
  evicted: 'channel evicted',
  expired: 'channel expired',
  token_expired: 'token expired',
};

/** Server frames of the Notifications socket (docs/protocols.md §2.3). */
const FRAMES = {
  heartbeat: { topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } },
  pong: { topicName: 'channel.metadata', eventBody: { message: 'pong' } },
  socketClosing: {
    topicName: 'v2.system.socket_closing',
    eventBody: { message: 'socket closing' },
  },
  badRequest: { result: '400', status: 'error' },
} as const;

/** Options of {@link GenesysNotifications}. */
export interface GenesysNotificationsOptions {
  limits: ChannelLimits;
  /** Heartbeat period of each connected socket, ms. */
  heartbeatIntervalMs: number;
}

interface Connection {
  session: WsSession;
  ws: WebSocket;
}

/**
 * Genesys Notifications (`genesys_notifications`): the channel store shared with the REST
 * endpoints, and the `GET /channels/:id` WebSocket with heartbeats, ping/pong, subscribe and
 * the `socket_closing` maintenance notice.
 */
export class GenesysNotifications {
  /** Channels created over REST. */
  readonly channels: ChannelStore;
  readonly #ctx: SimulatorContext;
  readonly #hub: WsHub;
  readonly #heartbeatIntervalMs: number;
  readonly #wss = createWsServer();
  /** The one connection of each connected channel, by channel id. */
  readonly #connections = new Map<string, Connection>();

  constructor(ctx: SimulatorContext, hub: WsHub, options: GenesysNotificationsOptions) {
    this.#ctx = ctx;
    this.#hub = hub;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs;
    this.channels = new ChannelStore(options.limits, (channel, why) => {
      ctx.truth.wsCount(KEY, REMOVAL_COUNTERS[why]);
      const connection = this.#connections.get(channel.id);
      if (connection !== undefined) {
        hub.serverClose(connection.session, 1001, REMOVAL_REASONS[why]);
      }
    });
  }

  /** Upgrade route of `GET /channels/:id`. */
  route(): UpgradeRoute {
    return {
      key: KEY,
      matches: (url) => /^\/channels\/[^/]+$/.test(url.pathname),
      accept: (req, socket, head, url) => {
        const id = decodeURIComponent(url.pathname.slice('/channels/'.length));
        const channel = this.channels.get(id);
        if (channel === undefined) {
          this.#ctx.truth.wsRefused(KEY, 404);
          refuseUpgrade(socket, 404, { message: 'channel not found', status: 404 });
          return;
        }
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          if (this.#hub.closed) ws.terminate();
          else this.#connect(channel, ws);
        });
      },
    };
  }

  /** Closes the socket server and cancels every channel timer. */
  dispose(): void {
    this.channels.dispose();
    this.#wss.close();
  }

  #connect(channel: Channel, ws: WebSocket): void {
    // One connection per channel (docs/protocols.md §2.4): a new one replaces the old.
    const previous = this.#connections.get(channel.id);
    if (previous !== undefined) this.#hub.serverClose(previous.session, 1001, 'replaced');
    const send = (frame: unknown): void => {
      ws.send(JSON.stringify(frame));
    };
    // Fires only after the session below exists: the interval is never 0.
    const heartbeat = setInterval(() => {
      if (this.#hub.isStalled(session) || !session.transport.isOpen()) return;
      this.#ctx.truth.wsCount(KEY, 'heartbeats_sent');
      send(FRAMES.heartbeat);
    }, this.#heartbeatIntervalMs);
    const session = openWsSession(this.#ctx, this.#hub, KEY, ws, {
      announceMaintenance: () => {
        if (!this.#hub.isStalled(session)) send(FRAMES.socketClosing);
      },
      dispose: () => {
        clearInterval(heartbeat);
        if (this.#connections.get(channel.id)?.session === session) {
          this.#connections.delete(channel.id);
          channel.connected = false;
        }
      },
    });
    this.#connections.set(channel.id, { session, ws });
    channel.connected = true;
    channel.lastUsedAt = Date.now();
    ws.on('message', (data, isBinary) => {
      channel.lastUsedAt = Date.now();
      this.#onMessage(session, channel, isBinary ? undefined : rawText(data), send);
    });
  }

  #onMessage(
    session: WsSession,
    channel: Channel,
    text: string | undefined,
    send: (frame: unknown) => void,
  ): void {
    const ctx = this.#ctx;
    const request = parseObject(text);
    if (request?.message === 'ping') {
      ctx.truth.wsCount(KEY, 'app_pings');
      this.#hub.answer(session, {
        delay: ctx.faults.getWs(KEY).pong_delay,
        record: 'application',
        sent: 'app_pongs',
        unanswered: 'app_pings_unanswered',
        send: () => {
          send(FRAMES.pong);
        },
      });
      return;
    }
    const reply = (frame: unknown): void => {
      this.#hub.answer(session, {
        delay: ctx.faults.getWs(KEY).latency,
        send: () => {
          send(frame);
        },
      });
    };
    const topics = request?.topics;
    const isTopicList =
      Array.isArray(topics) && topics.every((topic): topic is string => typeof topic === 'string');
    if (
      request === undefined ||
      (request.message !== 'subscribe' && request.message !== 'unsubscribe') ||
      !isTopicList
    ) {
      ctx.truth.wsCount(KEY, 'bad_messages');
      reply(FRAMES.badRequest);
      return;
    }
    // Echoed only when it can be written back: a value nested thousands deep would throw from
    // JSON.stringify inside this socket handler and take the whole simulator down.
    const correlation =
      'correlationId' in request && stringifyPeerValue(request.correlationId) !== undefined
        ? { correlationId: request.correlationId }
        : {};
    // The channel may have expired or been evicted a moment before its socket was closed.
    if (this.channels.get(channel.id) === undefined) {
      reply({ result: '404', ...correlation });
      return;
    }
    if (request.message === 'unsubscribe') {
      this.channels.unsubscribe(channel, topics);
      reply({ result: '200', status: 'unsubscribed', ...correlation });
      return;
    }
    // Malformed topics fail the whole request, as over REST (docs/protocols.md §2.3).
    if (topics.some((topic) => topicProblem(topic) !== undefined)) {
      ctx.truth.wsCount(KEY, 'bad_messages');
      reply({ result: '400', status: 'failure', ...correlation });
      return;
    }
    if (!this.channels.subscribe(channel, topics)) {
      reply({ result: '400', status: 'failure', ...correlation });
      return;
    }
    ctx.truth.wsCount(KEY, 'subscriptions');
    reply({ result: '200', status: 'subscribed', ...correlation });
  }
}

function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
