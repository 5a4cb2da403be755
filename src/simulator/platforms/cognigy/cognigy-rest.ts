import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { SimulatorContext } from '../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../core/http/exchange.ts';
import {
  isRecord,
  jsonObject,
  jsonReply,
  plainErrorReply,
  type EndpointRequest,
  type Reply,
} from '../../core/http/reply.ts';

function handleMessage(ctx: SimulatorContext, { req, body }: EndpointRequest): Reply {
  const urlToken = req.params.urlToken;
  if (typeof urlToken !== 'string' || !ctx.cognigyUrlTokens.has(urlToken)) {
    return plainErrorReply(404, 'endpoint not found');
  }
  const request = jsonObject(body);
  if (typeof request === 'string') return plainErrorReply(400, request);
  const { userId, sessionId, text, data } = request;
  if (typeof userId !== 'string' || userId === '') {
    return plainErrorReply(400, 'userId: must be a non-empty string');
  }
  if (typeof sessionId !== 'string' || sessionId === '') {
    return plainErrorReply(400, 'sessionId: must be a non-empty string');
  }
  if (text !== undefined && typeof text !== 'string') {
    return plainErrorReply(400, 'text: must be a string');
  }
  if (data !== undefined && !isRecord(data)) return plainErrorReply(400, 'data: must be an object');
  if (text === undefined && data === undefined) {
    return plainErrorReply(400, 'at least one of text or data is required');
  }
  const answer = text === undefined ? 'I received your data.' : `You said: ${text}`;
  // One output per turn; the top-level text and data concatenate the outputs (docs/protocols.md §5.1).
  return jsonReply(200, {
    text: answer,
    data: {},
    outputStack: [
      {
        text: answer,
        data: {},
        traceId: `endpoint-httpIncomingMessage-${randomUUID()}`,
        disableSensitiveLogging: false,
        source: 'bot',
      },
    ],
    userId,
    sessionId,
  });
}

/** `POST /cognigy/:urlToken`: a Cognigy REST endpoint (docs/protocols.md §5.1). */
export function cognigyRouter(ctx: SimulatorContext): Router {
  const spec: EndpointSpec = {
    key: 'cognigy_rest',
    errorReply: plainErrorReply,
    handle: (request) => handleMessage(ctx, request),
  };
  const router = Router();
  router.post('/cognigy/:urlToken', ...endpointHandlers(ctx, spec));
  return router;
}
