import { randomUUID } from 'node:crypto';
import type { Target } from '../config/load.ts';
import { createBotTurnProber, isObject } from './bot-turn.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

type CxoneExchangeTarget = Extract<Target, { kind: 'cxone-exchange' }>;

/**
 * `kind: cxone-exchange` — plays CXone Virtual Agent Hub toward a custom exchange endpoint:
 * POST an `ExternalIntegrationBotExchangeRequest` with `userInputType: TEXT`. CXone documents no
 * response schema, so any JSON object passes unless it names an error branch; use `expect` for more.
 */
export function createCxoneExchangeProber(target: CxoneExchangeTarget, deps: ProberDeps): Prober {
  return createBotTurnProber(
    target,
    deps,
    {
      url: target.url,
      body: ({ text, sessionId }) => ({
        virtualAgentId: target.virtual_agent_id ?? 'cxprobe-virtual-agent',
        botConfig: {},
        userInput: text,
        userInputType: 'TEXT',
        executionInfo: { contactId: sessionId, requestId: randomUUID() },
        systemTelemetryData: { source: 'cxprobe' },
        botSessionState: null,
        customPayload: {},
        mediaType: 'chat',
      }),
      checkReply(reply) {
        if (!isObject(reply))
          return { reason: 'json_mismatch', message: 'CXone reply is not a JSON object' };
        if (typeof reply.branchName === 'string' && /error/i.test(reply.branchName)) {
          return { reason: 'bot_failed', message: `CXone reply took branch ${reply.branchName}` };
        }
        return undefined;
      },
    },
    deps.tokenSource(target.credential),
  );
}
