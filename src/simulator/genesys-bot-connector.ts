import { Router } from 'express';
import type { SimulatorContext } from './context.ts';
import { endpointHandlers, type EndpointSpec } from './exchange.ts';
import { isRecord, jsonObject, jsonReply, type EndpointRequest, type Reply } from './reply.ts';

/** Error answer of the simulated bot; the real shape is the bot's own choice. */
function botError(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

/**
 * Answers one utterance the way a "bring your own bot" behind Genesys Bot Connector would
 * (docs/protocols.md §4.1): an echo, and `COMPLETE` when the user says exactly `goodbye`.
 */
function handleUtterance({ body }: EndpointRequest): Reply {
  const request = jsonObject(body);
  if (typeof request === 'string') return botError(400, request);
  if (typeof request.botSessionId !== 'string' || request.botSessionId === '') {
    return botError(400, 'botSessionId: must be a non-empty string');
  }
  const input = request.inputMessage;
  if (!isRecord(input) || typeof input.text !== 'string') {
    return botError(400, 'inputMessage.text: must be a string');
  }
  const goodbye = input.text === 'goodbye';
  return jsonReply(200, {
    replymessages: [{ type: 'Text', text: goodbye ? 'Goodbye!' : `You said: ${input.text}` }],
    botState: goodbye ? 'COMPLETE' : 'MOREDATA',
    intent: goodbye ? 'Goodbye' : 'Echo',
    confidence: 0.9,
  });
}

/** `POST /genesys/bot-connector`: the Bot Connector "Handle Utterance URI" of a simulated bot. */
export function genesysBotConnectorRouter(ctx: SimulatorContext): Router {
  const spec: EndpointSpec = {
    key: 'genesys_bot_connector',
    errorReply: botError,
    handle: handleUtterance,
  };
  const router = Router();
  router.post('/genesys/bot-connector', ...endpointHandlers(ctx, spec));
  return router;
}
