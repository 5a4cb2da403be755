import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { SimulatorContext } from '../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../core/http/exchange.ts';
import {
  isRecord,
  jsonObject,
  jsonReply,
  type EndpointRequest,
  type Reply,
} from '../../core/http/reply.ts';

/** Cognigy's error shape is not documented; `{"error"}` is the simulator's choice. */
function cognigyError(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

function handleMessage(ctx: SimulatorContext, { req, body }: EndpointRequest): Reply {
  const urlToken = req.params.urlToken;
  if (typeof urlToken !== 'string' || !ctx.cognigyUrlTokens.has(urlToken)) {
    return cognigyError(404, 'endpoint not found');
  }
  const request = jsonObject(body);
  if (typeof request === 'string') return cognigyError(400, request);
  const { userId, sessionId, text, data } = request;
  if (typeof userId !== 'string' || userId === '') {
    return cognigyError(400, 'userId: must be a non-empty string');
  }
  if (typeof sessionId !== 'string' || sessionId === '') {
    return cognigyError(400, 'sessionId: must be a non-empty string');
  }
  if (text !== undefined && typeof text !== 'string') {
    return cognigyError(400, 'text: must be a string');
  }
  if (data !== undefined && !isRecord(data)) return cognigyError(400, 'data: must be an object');
  if (text === undefined && data === undefined) {
    return cognigyError(400, 'at least one of text or data is required');
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
    errorReply: cognigyError,
    handle: (request) => handleMessage(ctx, request),
  };
  const router = Router();
  router.post('/cognigy/:urlToken', ...endpointHandlers(ctx, spec));
  return router;
}
