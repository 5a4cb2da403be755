import { randomInt } from 'node:crypto';
import type { CxoneExchangeTarget } from '../kinds/cxone-exchange/schema.ts';
import { createBotTurnProber } from './bot-turn.ts';
import { checkCxoneReply } from './cxone-exchange-reply.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/** Largest int32, the type of `requestId` (docs/protocols.md §6). */
const INT32_MAX = 2 ** 31 - 1;

/**
 * `kind: cxone-exchange` — plays CXone Virtual Agent Hub toward a custom exchange endpoint:
 * POST an `ExternalIntegrationBotExchangeRequest` with `userInputType: TEXT`, every field typed
 * as NICE's schema says (docs/protocols.md §6), and judge the `BotExchangeResponse`.
 */
export function createCxoneExchangeProber(target: CxoneExchangeTarget, deps: ProberDeps): Prober {
  const info = target.execution_info ?? {};
  return createBotTurnProber(
    target,
    deps,
    {
      url: target.url,
      body: ({ text }) => ({
        virtualAgentId: target.virtual_agent_id ?? 'cxprobe-virtual-agent',
        botConfig: {},
        userInput: text,
        userInputType: 'TEXT',
        executionInfo: {
          // A new contact every probe, as each probe is the first turn of a new session.
          contactId: info.contact_id ?? randomInt(1, 2 ** 48),
          busNo: info.bus_no ?? 0,
          // Unique per request so a bot's logs can name the probe's exchange.
          requestId: randomInt(1, INT32_MAX),
          actionType: info.action_type ?? 'TEXTBOTEXCHANGE',
          actionId: info.action_id ?? 1,
          scriptName: info.script_name ?? 'cxprobe',
        },
        systemTelemetryData: {
          consumerProcessName: 'cxprobe',
          consumerMetaData: { synthetic: 'true' },
        },
        base64wavFile: null,
        botSessionState: null,
        customPayload: {},
        mediaType: 'chat',
      }),
      checkReply: checkCxoneReply,
    },
    deps.tokenSource(target.credential),
  );
}
