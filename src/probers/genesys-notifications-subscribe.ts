import { randomUUID } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import { z } from 'zod';
import type { TokenSource } from '../auth/token-source.ts';
import { isObject } from './bot-turn.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import { parseJsonBody } from './http/expectations.ts';
import { restFailure } from './genesys-notifications-channel.ts';
import { rawText } from './session/steps.ts';
import { ConnectError, type SessionContext } from './session/types.ts';

/** How the prober subscribes its topics (docs/protocols.md §2.1 and §2.3). */
export type SubscribeVia = 'rest' | 'websocket';

/** `ChannelTopicEntityListing`: the answer of every subscription call (docs/protocols.md §2.1). */
const topicListing = z.object({ entities: z.array(z.object({ id: z.string() })).max(10_000) });

/**
 * `PUT /api/v2/notifications/channels/{id}/subscriptions` with `[{"id": topic}, …]`, as the
 * official SDKs subscribe (docs/protocols.md §2.1). PUT rather than POST: it replaces the
 * list, so a reconnect to the same channel does not depend on what the channel still holds,
 * and it extends the channel's life like any resubscription.
 *
 * @throws {ConnectError} `channel_gone` on 404 (the channel expired or was evicted).
 */
export async function subscribeRest(
  apiUrl: string,
  channelId: string,
  topics: readonly string[],
  tokens: TokenSource | undefined,
  timeoutMs: number,
  context: SessionContext,
): Promise<void> {
  const exchange = await requestWithCredential(
    {
      url: `${apiUrl}/api/v2/notifications/channels/${encodeURIComponent(channelId)}/subscriptions`,
      method: 'PUT',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(topics.map((id) => ({ id }))),
      followRedirects: false,
    },
    tokens,
    { signal: context.signal, timeoutMs, log: context.log },
  );
  if (exchange.ok && exchange.status === 404) {
    throw new ConnectError('channel_gone', 'subscribe answered 404: channel gone', 404);
  }
  const failure = restFailure(exchange, 'subscribe');
  if (failure !== undefined) throw failure;
  const listing = topicListing.safeParse(
    exchange.ok ? parseJsonBody(exchange.body)?.value : undefined,
  );
  if (!listing.success) {
    throw new ConnectError('invalid_json', 'subscribe answered without a topic listing');
  }
  // The listing is not compared with what we asked for: Genesys may spell or expand topics
  // (combined `prefix?a&b` ones) differently from the request (docs/protocols.md §2.1).
}

/**
 * `{"message":"subscribe","topics":[…],"correlationId":…}` over the socket and waits for its
 * `{"result":…}` answer (docs/protocols.md §2.3).
 */
export async function subscribeSocket(
  socket: WebSocket,
  topics: readonly string[],
  timeoutMs: number,
  context: SessionContext,
): Promise<void> {
  const correlationId = randomUUID();
  socket.send(JSON.stringify({ message: 'subscribe', topics, correlationId }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new ConnectError('timeout', 'no answer to subscribe'));
    }, timeoutMs);
    const onMessage = (data: RawData) => {
      const reply = parseJsonBody(rawText(data))?.value;
      if (!isObject(reply) || typeof reply.result !== 'string') return;
      cleanup();
      if (reply.result === '200') resolve();
      else if (reply.result === '404')
        reject(new ConnectError('channel_gone', 'subscribe answered 404: channel gone'));
      else
        reject(
          new ConnectError('unexpected_status', `subscribe answered ${reply.result.slice(0, 16)}`),
        );
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
}
