import type { CognigyRestTarget } from '../kinds/cognigy-rest/schema.ts';
import { createBotTurnProber, isObject } from './bot-turn.ts';
import type { ProberDeps } from './deps.ts';
import type { Prober } from './types.ts';

/**
 * `kind: cognigy-rest` — a Cognigy REST Endpoint: POST `{userId, sessionId, text}` to
 * `<url>/<URLToken>`; the synchronous reply covers the whole flow turn and carries `outputStack`.
 */
export function createCognigyRestProber(target: CognigyRestTarget, deps: ProberDeps): Prober {
  const url = `${target.url.replace(/\/+$/, '')}/${encodeURIComponent(target.url_token ?? '')}`;
  const userId = target.user_id ?? 'cxprobe-synthetic-user';
  return createBotTurnProber(
    target,
    deps,
    {
      url,
      body: ({ text, sessionId }) => ({ userId, sessionId, text, data: { cxprobe: true } }),
      checkReply(reply) {
        if (!isObject(reply) || !Array.isArray(reply.outputStack)) {
          return { reason: 'json_mismatch', message: 'Cognigy reply has no outputStack array' };
        }
        return undefined;
      },
    },
    undefined,
  );
}
