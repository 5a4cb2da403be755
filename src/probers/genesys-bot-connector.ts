import { randomUUID } from 'node:crypto';
import type { Target } from '../config/load.ts';
import { createBotTurnProber, isObject } from './bot-turn.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

type BotConnectorTarget = Extract<Target, { kind: 'genesys-bot-connector' }>;

const BOT_STATES = new Set(['MOREDATA', 'COMPLETE', 'FAILED']);

/**
 * `kind: genesys-bot-connector` — plays Genesys Cloud toward a Bot Connector bot: POST a
 * handle-utterance request and expect `replymessages` and a `botState`; FAILED is a bot failure.
 */
export function createBotConnectorProber(target: BotConnectorTarget, deps: ProberDeps): Prober {
  return createBotTurnProber(
    target,
    deps,
    {
      url: target.url,
      body: ({ text, sessionId }) => ({
        botId: target.bot_id ?? 'cxprobe-bot',
        botVersion: target.bot_version ?? '1',
        botSessionId: sessionId,
        messageId: randomUUID(),
        inputMessage: { type: 'Text', text },
        languageCode: target.language ?? 'en-us',
        botSessionTimeout: 4320,
        genesysConversationId: randomUUID(),
      }),
      checkReply(reply) {
        if (!isObject(reply) || !Array.isArray(reply.replymessages)) {
          return {
            reason: 'json_mismatch',
            message: 'Bot Connector reply has no replymessages array',
          };
        }
        if (typeof reply.botState !== 'string' || !BOT_STATES.has(reply.botState)) {
          return { reason: 'json_mismatch', message: 'Bot Connector reply has no valid botState' };
        }
        if (reply.botState === 'FAILED')
          return { reason: 'bot_failed', message: 'bot answered botState FAILED' };
        return undefined;
      },
    },
    deps.tokenSource(target.credential),
  );
}
