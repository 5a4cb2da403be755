import { Router } from 'express';
import { bearerToken } from '../../../core/auth/client-auth.ts';
import type { SimulatorContext } from '../../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../../core/http/exchange.ts';
import type { Channel, ChannelOwner, ChannelStore } from './channels.ts';
import { topicList, type GenesysRestRejection } from './topics.ts';
import { correlationHeader, genesysError, rateLimitReply } from '../genesys-api.ts';
import { jsonReply, type EndpointRequest, type Reply } from '../../../core/http/reply.ts';

const KEY = 'genesys_notifications';
const CHANNELS = '/api/v2/notifications/channels';

/** A Genesys API call that passed authentication and the per-client limit. */
type Authorized = { owner: ChannelOwner } | { reply: Reply };

/** Query values the SDK documents (docs/protocols.md §2.1); anything else is a 400. */
const QUERY_VALUES: Record<string, readonly string[]> = {
  connectionType: ['streaming'],
  includechannels: ['token', 'oauthclient'],
  ignoreErrors: ['true', 'false'],
};

/**
 * Genesys Notifications REST API (`genesys_channels`, docs/protocols.md §2.1 and §2.5): channel
 * create, list and `HEAD`, and the four subscription calls. All need a live Genesys token and
 * count against the per-client API limit; every rejection is counted by reason.
 */
export function genesysNotificationsRouter(ctx: SimulatorContext, channels: ChannelStore): Router {
  const reject = (
    reason: GenesysRestRejection,
    status: number,
    message: string,
    request: EndpointRequest,
    code?: string,
  ): Reply => {
    ctx.truth.restRejected(KEY, reason);
    return genesysError(status, message, request.id, code);
  };

  const authorize = (request: EndpointRequest): Authorized => {
    const token = bearerToken(request.req.headers);
    if (token === undefined) {
      // Genesys's own wording for a call without a bearer token (docs/protocols.md §1.5).
      const message = 'No authentication bearer token specified in authorization header.';
      return { reply: reject('missing_bearer', 401, message, request, 'authentication.required') };
    }
    const issued = ctx.tokens.lookup(token, 'genesys');
    if (issued === undefined) {
      return { reply: reject('invalid_bearer', 401, 'Invalid login credentials.', request) };
    }
    const limited = rateLimitReply(ctx, 'genesys_channels', issued.clientId, request.id);
    if (limited !== undefined) return { reply: limited };
    return { owner: { clientId: issued.clientId, token, tokenExpiresAt: issued.expiresAt } };
  };

  const badQuery = (request: EndpointRequest, allowed: readonly string[]): Reply | undefined => {
    for (const [name, value] of Object.entries(request.req.query)) {
      const values = QUERY_VALUES[name];
      if (!allowed.includes(name) || values === undefined) continue;
      if (typeof value !== 'string' || !values.includes(value)) {
        return reject(
          'bad_query',
          400,
          `${name} must be one of ${values.join(', ')}`,
          request,
          'bad.request',
        );
      }
    }
    return undefined;
  };

  const spec = (
    query: readonly string[],
    handle: (request: EndpointRequest, owner: ChannelOwner) => Reply,
  ): EndpointSpec => ({
    key: 'genesys_channels',
    errorReply: genesysError,
    commonHeaders: correlationHeader,
    handle: (request) => {
      const auth = authorize(request);
      if ('reply' in auth) return auth.reply;
      return badQuery(request, query) ?? handle(request, auth.owner);
    },
  });

  /** A call on one channel: unknown, expired and other clients' channels are all 404. */
  const withChannel = (
    query: readonly string[],
    handle: (request: EndpointRequest, channel: Channel) => Reply,
  ) =>
    spec(query, (request, owner) => {
      const channelId = request.req.params.channelId;
      const channel = typeof channelId === 'string' ? channels.get(channelId) : undefined;
      if (channel?.clientId !== owner.clientId) {
        return reject('unknown_channel', 404, 'The channel does not exist.', request, 'not.found');
      }
      return handle(request, channel);
    });

  const change = (replace: boolean) =>
    withChannel(['ignoreErrors'], (request, channel) => {
      const topics = topicList(request.body);
      if (!Array.isArray(topics)) {
        return reject(topics.reason, 400, topics.message, request, 'bad.request');
      }
      if (!channels.subscribe(channel, topics, replace)) {
        const message = `A channel can have at most ${channels.limits.maxTopics} topics.`;
        return reject('too_many_topics', 400, message, request, 'bad.request');
      }
      ctx.truth.wsCount(KEY, 'subscriptions');
      return listing(channel.topics);
    });

  const create = spec(['connectionType'], (request, owner) => {
    const channel = channels.create(owner);
    ctx.truth.wsCount(KEY, 'channels_created');
    return jsonReply(200, describe(channel, request));
  });

  const list = spec(['connectionType', 'includechannels'], (request, owner) => {
    const everyToken = request.req.query.includechannels === 'oauthclient';
    const entities = channels
      .list(owner.clientId)
      .filter((channel) => everyToken || channel.token === owner.token)
      // Other tokens' channels are shown to exist, without their id (docs/protocols.md §2.1).
      .map((channel) =>
        channel.token === owner.token
          ? describe(channel, request)
          : { expires: new Date(channel.expiresAt).toISOString() },
      );
    return jsonReply(200, { entities });
  });

  // HEAD answers 200 while the channel lives, 404 after (docs/protocols.md §2.1).
  const head = withChannel([], () => ({ status: 200 }));

  const channelPath = `${CHANNELS}/:channelId`;
  const subscriptionsPath = `${channelPath}/subscriptions`;
  const router = Router();
  router.post(CHANNELS, ...endpointHandlers(ctx, create));
  router.get(CHANNELS, ...endpointHandlers(ctx, list));
  router.head(channelPath, ...endpointHandlers(ctx, head));
  router.get(
    subscriptionsPath,
    ...endpointHandlers(
      ctx,
      withChannel([], (_request, channel) => listing(channel.topics)),
    ),
  );
  router.put(subscriptionsPath, ...endpointHandlers(ctx, change(true)));
  router.post(subscriptionsPath, ...endpointHandlers(ctx, change(false)));
  router.delete(
    subscriptionsPath,
    ...endpointHandlers(
      ctx,
      withChannel([], (_request, channel) => {
        channels.unsubscribe(channel);
        return listing(channel.topics);
      }),
    ),
  );
  return router;
}

function listing(topics: Iterable<string>): Reply {
  return jsonReply(200, { entities: [...topics].map((id) => ({ id })) });
}

/** The `Channel` model of the SDKs: `connectUri`, `id`, `expires` (docs/protocols.md §2.2). */
function describe(channel: Channel, request: EndpointRequest): Record<string, string> {
  // The socket is on this same origin, so the URI follows whatever host the client used.
  const host = request.req.headers.host ?? 'localhost';
  return {
    connectUri: `ws://${host}/channels/${channel.id}`,
    id: channel.id,
    expires: new Date(channel.expiresAt).toISOString(),
  };
}
