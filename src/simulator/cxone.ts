import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { bearerToken } from './client-auth.ts';
import type { SimulatorContext } from './context.ts';
import { endpointHandlers, type EndpointSpec } from './exchange.ts';
import { clientCredentialsGrant, oauthFaultReply } from './oauth.ts';
import { isRecord, jsonObject, jsonReply, type EndpointRequest, type Reply } from './reply.ts';

/** `userInputType` values of `ExternalIntegrationBotExchangeRequest` (docs/protocols.md §6). */
export const CXONE_USER_INPUT_TYPES = [
  'NO_INPUT',
  'TEXT',
  'BASE64_ENCODED_G711_ULAW_WAV_FILE',
  'USER_INPUT_ARCHIVED_AS_SPECIFIED',
  'USER_ENDED_SESSION',
  'AUTOMATED_TEXT',
  'DTMF_AS_TEXT',
] as const;

type UserInputType = (typeof CXONE_USER_INPUT_TYPES)[number];

function isUserInputType(value: unknown): value is UserInputType {
  return CXONE_USER_INPUT_TYPES.includes(value as UserInputType);
}

/** CXone's bot-exchange error shape is undocumented; `{"error"}` is the simulator's choice. */
function exchangeError(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

/** What the simulated bot says and decides for one turn. */
function botTurn(
  type: UserInputType,
  input: string | undefined,
): {
  transcript: string;
  intent: string;
  branchName: string;
} {
  // Ending the conversation hands control back to the Studio script (OnReturnControlToScript).
  if (type === 'USER_ENDED_SESSION' || input === 'goodbye') {
    return { transcript: 'Goodbye!', intent: 'Goodbye', branchName: 'ReturnControlToScript' };
  }
  const prompt = (transcript: string, intent: string) => ({
    transcript,
    intent,
    branchName: 'PromptAndCollectNextResponse',
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
function nextSessionState(request: Record<string, unknown>): { sessionId: string; turn: number } {
  const previous = isRecord(request.botSessionState) ? request.botSessionState : {};
  const execution = isRecord(request.executionInfo) ? request.executionInfo : {};
  const sessionId =
    typeof previous.sessionId === 'string'
      ? previous.sessionId
      : typeof execution.contactId === 'string' || typeof execution.contactId === 'number'
        ? String(execution.contactId)
        : randomUUID();
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
  const request = jsonObject(body);
  if (typeof request === 'string') return exchangeError(400, request);
  const { virtualAgentId, userInputType, userInput } = request;
  if (typeof virtualAgentId !== 'string' || virtualAgentId === '') {
    return exchangeError(400, 'virtualAgentId: must be a non-empty string');
  }
  if (!isUserInputType(userInputType)) {
    return exchangeError(400, `userInputType: must be one of ${CXONE_USER_INPUT_TYPES.join(', ')}`);
  }
  if (userInput !== undefined && userInput !== null && typeof userInput !== 'string') {
    return exchangeError(400, 'userInput: must be a string');
  }
  if (userInputType === 'TEXT' && typeof userInput !== 'string') {
    return exchangeError(400, 'userInput: required when userInputType is TEXT');
  }
  const turn = botTurn(userInputType, typeof userInput === 'string' ? userInput : undefined);
  return jsonReply(200, {
    branchName: turn.branchName,
    nextPromptSequence: { prompts: [{ transcript: turn.transcript, mediaSpecificObject: {} }] },
    intentInfo: { intent: turn.intent, intentConfidence: 0.9 },
    botSessionState: nextSessionState(request),
    customPayload: isRecord(request.customPayload) ? request.customPayload : {},
    errorDetails: { errorLoggingDetails: '', systemErrorMessage: '' },
  });
}

/**
 * NICE CXone: `POST /cxone/oauth/token` (client credentials by Basic auth or form fields) and
 * `POST /cxone/exchange`, a custom virtual-agent exchange endpoint (docs/protocols.md §6).
 */
export function cxoneRouter(ctx: SimulatorContext): Router {
  const oauth: EndpointSpec = {
    key: 'cxone_oauth',
    errorReply: (status, message) => oauthFaultReply(status, message),
    handle: (request) =>
      clientCredentialsGrant(
        ctx,
        { key: 'cxone_oauth', platform: 'cxone', acceptFormCredentials: true },
        request,
      ),
  };
  const exchange: EndpointSpec = {
    key: 'cxone_exchange',
    errorReply: exchangeError,
    handle: (request) => handleExchange(ctx, request),
  };
  const router = Router();
  router.post('/cxone/oauth/token', ...endpointHandlers(ctx, oauth));
  router.post('/cxone/exchange', ...endpointHandlers(ctx, exchange));
  return router;
}
