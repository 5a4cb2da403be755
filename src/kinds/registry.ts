import type { Target } from '../config/load.ts';
import { audiohookKind } from './audiohook/index.ts';
import { cognigyRestKind } from './cognigy-rest/index.ts';
import { cognigySocketKind } from './cognigy-socket/index.ts';
import { cxoneExchangeKind } from './cxone-exchange/index.ts';
import { genesysBotConnectorKind } from './genesys-bot-connector/index.ts';
import { genesysNotificationsKind } from './genesys-notifications/index.ts';
import { genesysRestKind } from './genesys-rest/index.ts';
import { httpKind } from './http/index.ts';
import type { KindModule } from './kind.ts';
import { voicegatewayListenKind } from './voicegateway-listen/index.ts';
import { websocketKind } from './websocket/index.ts';

/**
 * Every kind cxprobe probes: adding a kind is one folder (src/kinds/<kind>/: schema.ts, index.ts),
 * one line here and one in ./schemas.ts, in the same order.
 */
export const KINDS = [
  audiohookKind,
  voicegatewayListenKind,
  websocketKind,
  genesysNotificationsKind,
  cognigySocketKind,
  httpKind,
  genesysRestKind,
  cognigyRestKind,
  genesysBotConnectorKind,
  cxoneExchangeKind,
] as const;

const BY_KIND = new Map<string, KindModule>(
  KINDS.map((module) => [module.kind, module as unknown as KindModule]),
);

/** The module of a target's kind. */
export function kindOf(target: Target): KindModule {
  const module = BY_KIND.get(target.kind);
  // The schema only admits registered kinds; reaching this is a bug.
  if (module === undefined) throw new Error(`no module for kind ${target.kind}`);
  return module;
}
