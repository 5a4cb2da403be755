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

/**
 * How the simulated bot spells its answer. Bots in the field differ (docs/protocols.md §4.1):
 * the Bot Connector docs show `replymessages` and `COMPLETE`, Genesys's own blueprint bot
 * answers `MoreData`/`Complete`/`Failed`, Digital Bot Connector (v2) bots `replyMessages`.
 */
export interface BotConnectorDialect {
  /** `upper`: `MOREDATA`; `pascal`: `MoreData`. @default 'upper' */
  botStateCase?: 'upper' | 'pascal';
  /** @default 'replymessages' */
  repliesKey?: 'replymessages' | 'replyMessages';
}

const BOT_STATE_CASES = ['upper', 'pascal'] as const;
const REPLIES_KEYS = ['replymessages', 'replyMessages'] as const;

const BOT_STATES = {
  upper: { more: 'MOREDATA', complete: 'COMPLETE', failed: 'FAILED' },
  pascal: { more: 'MoreData', complete: 'Complete', failed: 'Failed' },
} as const;

/**
 * Validates the dialect option.
 *
 * @throws {RangeError} for a value outside the known spellings.
 */
export function resolveBotConnectorDialect(
  dialect: BotConnectorDialect = {},
): Required<BotConnectorDialect> {
  const botStateCase = dialect.botStateCase ?? 'upper';
  const repliesKey = dialect.repliesKey ?? 'replymessages';
  if (!BOT_STATE_CASES.includes(botStateCase)) {
    throw new RangeError(`botConnector.botStateCase must be upper or pascal, got ${botStateCase}`);
  }
  if (!REPLIES_KEYS.includes(repliesKey)) {
    throw new RangeError(
      `botConnector.repliesKey must be replymessages or replyMessages, got ${repliesKey}`,
    );
  }
  return { botStateCase, repliesKey };
}

/** Error answer of the simulated bot; the real shape is the bot's own choice. */
function botError(status: number, message: string): Reply {
  return jsonReply(status, { error: message });
}

/** Text fields every handle-utterance request from Genesys carries (docs/protocols.md §4.1). */
const REQUIRED_TEXT_FIELDS = [
  'botId',
  'botVersion',
  'botSessionId',
  'messageId',
  'languageCode',
  'genesysConversationId',
] as const;

/** A handle-utterance request the simulated bot can answer. */
interface Utterance {
  type: 'Text' | 'Structured';
  text: string | undefined;
}

/**
 * Checks a handle-utterance request against what Genesys sends. Returns the utterance, or a
 * rejection whose `reason` comes from a fixed set (field names, never request content).
 */
function parseUtterance(request: Record<string, unknown>): Utterance | { reason: string } {
  for (const field of REQUIRED_TEXT_FIELDS) {
    const value = request[field];
    if (value === undefined || value === null) return { reason: `${field}: missing` };
    if (typeof value !== 'string' || value === '') {
      return { reason: `${field}: not a non-empty string` };
    }
  }
  const timeout = request.botSessionTimeout;
  if (timeout === undefined || timeout === null) return { reason: 'botSessionTimeout: missing' };
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
    return { reason: 'botSessionTimeout: not a non-negative integer' };
  }
  const input = request.inputMessage;
  if (input === undefined || input === null) return { reason: 'inputMessage: missing' };
  if (!isRecord(input)) return { reason: 'inputMessage: not an object' };
  if (input.type === 'Text') {
    if (typeof input.text !== 'string') return { reason: 'inputMessage.text: not a string' };
    return { type: 'Text', text: input.text };
  }
  if (input.type === 'Structured') {
    return { type: 'Structured', text: typeof input.text === 'string' ? input.text : undefined };
  }
  return { reason: 'inputMessage.type: not Text or Structured' };
}

/**
 * Answers one utterance the way a "bring your own bot" behind Genesys Bot Connector would
 * (docs/protocols.md §4.1): an echo; `COMPLETE` when the user says exactly `goodbye`, `FAILED`
 * with an `errorInfo` when the user says exactly `fail`.
 */
function handleUtterance(
  ctx: SimulatorContext,
  dialect: Required<BotConnectorDialect>,
  { body }: EndpointRequest,
): Reply {
  const request = jsonObject(body);
  if (typeof request === 'string') {
    ctx.truth.rejected('genesys_bot_connector', 'body: not a JSON object');
    return botError(400, request);
  }
  const utterance = parseUtterance(request);
  if ('reason' in utterance) {
    ctx.truth.rejected('genesys_bot_connector', utterance.reason);
    return botError(400, utterance.reason);
  }
  const states = BOT_STATES[dialect.botStateCase];
  const said = utterance.text ?? '';
  if (said === 'fail') {
    return jsonReply(200, {
      [dialect.repliesKey]: [],
      botState: states.failed,
      errorInfo: { errorCode: 'simulated', errorMessage: 'the simulated bot failed on request' },
    });
  }
  const goodbye = said === 'goodbye';
  return jsonReply(200, {
    [dialect.repliesKey]: [{ type: 'Text', text: goodbye ? 'Goodbye!' : `You said: ${said}` }],
    botState: goodbye ? states.complete : states.more,
    intent: goodbye ? 'Goodbye' : 'Echo',
    confidence: 0.9,
  });
}

/** `POST /genesys/bot-connector`: the Bot Connector "Handle Utterance URI" of a simulated bot. */
export function genesysBotConnectorRouter(
  ctx: SimulatorContext,
  dialect: Required<BotConnectorDialect> = resolveBotConnectorDialect(),
): Router {
  const spec: EndpointSpec = {
    key: 'genesys_bot_connector',
    errorReply: botError,
    handle: (request) => handleUtterance(ctx, dialect, request),
  };
  const router = Router();
  router.post('/genesys/bot-connector', ...endpointHandlers(ctx, spec));
  return router;
}
