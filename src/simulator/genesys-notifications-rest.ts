import { Router } from 'express';
import { bearerToken } from './client-auth.ts';
import type { SimulatorContext } from './context.ts';
import { endpointHandlers, type EndpointSpec } from './exchange.ts';
import type { Channel, ChannelStore } from './genesys-channels.ts';
import { genesysError } from './genesys.ts';
import { isRecord, jsonReply, type EndpointRequest, type Reply } from './reply.ts';

const CHANNELS = '/api/v2/notifications/channels';

/** A Genesys API call that passed authentication and the per-client limit. */
type Authorized = { clientId: string } | { reply: Reply };

function authorize(ctx: SimulatorContext, { req, id }: EndpointRequest): Authorized {
  const token = bearerToken(req.headers);
  const issued = token === undefined ? undefined : ctx.tokens.lookup(token, 'genesys');
  if (issued === undefined) {
    return { reply: genesysError(401, 'Invalid login credentials.', id) };
  }
  const decision = ctx.rateLimiter.take(issued.clientId);
  if (!decision.allowed) {
    ctx.truth.rateLimited('genesys_channels');
    const reply = genesysError(
      429,
      `Rate limit exceeded the maximum. Retry the request in [${decision.retryAfterSeconds}] seconds`,
      id,
    );
    return { reply: { ...reply, headers: { 'Retry-After': String(decision.retryAfterSeconds) } } };
  }
  return { clientId: issued.clientId };
}

/** The `[{"id":"topic"}]` body of a subscription change, or an error message. */
function topicList({ body }: EndpointRequest): string[] | string {
  if (body.kind !== 'json') return 'request body must be a JSON array of {"id": topic}';
  const value = body.value;
  if (!Array.isArray(value)) return 'request body must be a JSON array of {"id": topic}';
  const topics: string[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.id !== 'string' || item.id === '') {
      return 'every topic must be an object with a non-empty string id';
    }
    topics.push(item.id);
  }
  return topics;
}

function listing(topics: Iterable<string>): Reply {
  return jsonReply(200, { entities: [...topics].map((id) => ({ id })) });
}

/**
 * Genesys Notifications REST API (`genesys_channels`, docs/protocols.md §2.1): channel creation
 * and the four subscription calls. All need a live Genesys token and count against the
 * per-client API limit.
 */
export function genesysNotificationsRouter(ctx: SimulatorContext, channels: ChannelStore): Router {
  const spec = (handle: (request: EndpointRequest, clientId: string) => Reply): EndpointSpec => ({
    key: 'genesys_channels',
    errorReply: genesysError,
    commonHeaders: (exchangeId) => ({ 'inin-correlation-id': exchangeId }),
    handle: (request) => {
      const auth = authorize(ctx, request);
      return 'reply' in auth ? auth.reply : handle(request, auth.clientId);
    },
  });
  const withChannel = (handle: (request: EndpointRequest, channel: Channel) => Reply) =>
    spec((request) => {
      const channelId = request.req.params.channelId;
      const channel = typeof channelId === 'string' ? channels.get(channelId) : undefined;
      if (channel === undefined) {
        return genesysError(404, 'The channel does not exist.', request.id, 'not.found');
      }
      return handle(request, channel);
    });
  const change = (replace: boolean) =>
    withChannel((request, channel) => {
      const topics = topicList(request);
      if (typeof topics === 'string') return genesysError(400, topics, request.id);
      if (!channels.subscribe(channel, topics, replace)) {
        return genesysError(
          400,
          `A channel can have at most ${channels.limits.maxTopics} topics.`,
          request.id,
        );
      }
      ctx.truth.wsCount('genesys_notifications', 'subscriptions');
      return listing(channel.topics);
    });

  const create = spec((request, clientId) => {
    const channel = channels.create(clientId);
    ctx.truth.wsCount('genesys_notifications', 'channels_created');
    // The socket is on this same origin, so the URI follows whatever host the client used.
    const host = request.req.headers.host ?? 'localhost';
    return jsonReply(200, {
      connectUri: `ws://${host}/channels/${channel.id}`,
      id: channel.id,
      expires: new Date(channel.expiresAt).toISOString(),
    });
  });

  const subscriptionsPath = `${CHANNELS}/:channelId/subscriptions`;
  const router = Router();
  router.post(CHANNELS, ...endpointHandlers(ctx, create));
  router.get(
    subscriptionsPath,
    ...endpointHandlers(
      ctx,
      withChannel((_request, channel) => listing(channel.topics)),
    ),
  );
  router.put(subscriptionsPath, ...endpointHandlers(ctx, change(true)));
  router.post(subscriptionsPath, ...endpointHandlers(ctx, change(false)));
  router.delete(
    subscriptionsPath,
    ...endpointHandlers(
      ctx,
      withChannel((_request, channel) => {
        channels.unsubscribe(channel);
        return listing(channel.topics);
      }),
    ),
  );
  return router;
}
