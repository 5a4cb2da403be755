import { Router } from 'express';
import { bearerToken } from '../../core/auth/client-auth.ts';
import type { SimulatorContext } from '../../core/context.ts';
import { endpointHandlers, type EndpointSpec } from '../../core/http/exchange.ts';
import { tokenEndpoint } from '../../core/auth/oauth.ts';
import {
  parseExchangeRequest,
  type ExchangeRequest,
  type UserInputType,
} from './exchange-request.ts';
import {
  isRecord,
  jsonObject,
  jsonReply,
  plainErrorReply,
  type EndpointRequest,
  type Reply,
} from '../../core/http/reply.ts';

export { CXONE_USER_INPUT_TYPES } from './exchange-request.ts';

/** What the simulated bot says and decides for one turn (a `BotExchangeBranch`). */
function botTurn(
  type: UserInputType,
  input: string | undefined,
): {
  transcript: string;
  intent: string;
  branchName: 'PromptAndCollectNextResponse' | 'ReturnControlToScript' | 'Error';
} {
  // Ending the conversation hands control back to the Studio script (OnReturnControlToScript).
  if (type === 'USER_ENDED_SESSION' || input === 'goodbye') {
    return { transcript: 'Goodbye!', intent: 'Goodbye', branchName: 'ReturnControlToScript' };
  }
  if (input === 'fail') {
    return { transcript: 'Something went wrong.', intent: 'Failure', branchName: 'Error' };
  }
  const prompt = (transcript: string, intent: string) => ({
    transcript,
    intent,
    branchName: 'PromptAndCollectNextResponse' as const,
  });
  switch (type) {
    case 'NO_INPUT':
      return prompt("Sorry, I didn't catch that.", 'NoInput');
    case 'BASE64_ENCODED_G711_ULAW_WAV_FILE':
      return prompt('I received your audio.', 'Audio');
    case 'USER_INPUT_ARCHIVED_AS_SPECIFIED':
      return prompt('Noted.', 'Archived');
    default:
      return prompt(`You said: ${input ?? ''}`, 'Echo');
  }
}

/** Carries a session id and a turn counter across turns, like a real bot's opaque state. */
function nextSessionState(request: ExchangeRequest): { sessionId: string; turn: number } {
  const previous = isRecord(request.botSessionState) ? request.botSessionState : {};
  const sessionId =
    typeof previous.sessionId === 'string' ? previous.sessionId : String(request.contactId);
  const turn = typeof previous.turn === 'number' ? previous.turn + 1 : 1;
  return { sessionId, turn };
}

function handleExchange(ctx: SimulatorContext, { req, body }: EndpointRequest): Reply {
  const token = bearerToken(req.headers);
  if (token === undefined || ctx.tokens.lookup(token, 'cxone') === undefined) {
    return jsonReply(
      401,
      { error: 'invalid_token', error_description: 'missing, unknown or expired access token' },
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
  }
  const object = jsonObject(body);
  if (typeof object === 'string') {
    ctx.truth.rejected('cxone_exchange', 'body: not a JSON object');
    return plainErrorReply(400, object);
  }
  const request = parseExchangeRequest(object);
  if (typeof request === 'string') {
    ctx.truth.rejected('cxone_exchange', request);
    return plainErrorReply(400, request);
  }
  const turn = botTurn(request.userInputType, request.userInput);
  return jsonReply(200, {
    branchName: turn.branchName,
    nextPromptSequence: { prompts: [{ transcript: turn.transcript, mediaSpecificObject: null }] },
    intentInfo: {
      intent: turn.intent,
      intentConfidence: 0.9,
      lastUserUtterance: request.userInput ?? null,
    },
    botSessionState: nextSessionState(request),
    customPayload: isRecord(request.customPayload) ? request.customPayload : {},
    errorDetails:
      turn.branchName === 'Error'
        ? {
            errorBehavior: 'ReturnControlToScriptThroughErrorBranch',
            systemErrorMessage: 'the simulated bot failed on request',
          }
        : null,
  });
}

/**
 * NICE CXone: `POST /cxone/oauth/token` (client credentials by Basic auth or form fields) and
 * `POST /cxone/exchange`, a custom virtual-agent exchange endpoint (docs/protocols.md §6).
 */
export function cxoneRouter(ctx: SimulatorContext): Router {
  const oauth = tokenEndpoint(ctx, {
    key: 'cxone_oauth',
    platform: 'cxone',
    acceptFormCredentials: true,
  });
  const exchange: EndpointSpec = {
    key: 'cxone_exchange',
    errorReply: plainErrorReply,
    handle: (request) => handleExchange(ctx, request),
  };
  const router = Router();
  router.post('/cxone/oauth/token', ...endpointHandlers(ctx, oauth));
  router.post('/cxone/exchange', ...endpointHandlers(ctx, exchange));
  return router;
}
