import { randomUUID } from 'node:crypto';
import type { GenesysBotConnectorTarget } from '../kinds/genesys-bot-connector/schema.ts';
import { createBotTurnProber } from './bot-turn.ts';
import { checkBotConnectorReply } from './genesys-bot-connector-reply.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/**
 * `kind: genesys-bot-connector` — plays Genesys Cloud toward a Bot Connector bot: POST a
 * handle-utterance request and judge the reply as Genesys would (docs/protocols.md §4.1).
 */
export function createBotConnectorProber(
  target: GenesysBotConnectorTarget,
  deps: ProberDeps,
): Prober {
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
      checkReply: checkBotConnectorReply,
    },
    deps.tokenSource(target.credential),
  );
}
