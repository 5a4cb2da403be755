import { audiohookTargetSchema, audiohookTraits } from './audiohook/schema.ts';
import { cognigyRestTargetSchema, cognigyRestTraits } from './cognigy-rest/schema.ts';
import { cognigySocketTargetSchema, cognigySocketTraits } from './cognigy-socket/schema.ts';
import { cxoneExchangeTargetSchema, cxoneExchangeTraits } from './cxone-exchange/schema.ts';
import {
  genesysBotConnectorTargetSchema,
  genesysBotConnectorTraits,
} from './genesys-bot-connector/schema.ts';
import {
  genesysNotificationsTargetSchema,
  genesysNotificationsTraits,
} from './genesys-notifications/schema.ts';
import { genesysRestTargetSchema, genesysRestTraits } from './genesys-rest/schema.ts';
import { httpTargetSchema, httpTraits } from './http/schema.ts';
import type { KindTraits } from '../config/kind-traits.ts';
import {
  voicegatewayListenTargetSchema,
  voicegatewayListenTraits,
} from './voicegateway-listen/schema.ts';
import { websocketTargetSchema, websocketTraits } from './websocket/schema.ts';

/**
 * Every kind's target schema and traits: what the config needs of a kind, without its prober.
 * The order is the schema's: error messages and cxprobe.schema.json list the kinds in it, and
 * the registry of full modules (./registry.ts) follows it.
 */
export const KIND_SCHEMAS = [
  { schema: audiohookTargetSchema, traits: audiohookTraits },
  { schema: voicegatewayListenTargetSchema, traits: voicegatewayListenTraits },
  { schema: websocketTargetSchema, traits: websocketTraits },
  { schema: genesysNotificationsTargetSchema, traits: genesysNotificationsTraits },
  { schema: cognigySocketTargetSchema, traits: cognigySocketTraits },
  { schema: httpTargetSchema, traits: httpTraits },
  { schema: genesysRestTargetSchema, traits: genesysRestTraits },
  { schema: cognigyRestTargetSchema, traits: cognigyRestTraits },
  { schema: genesysBotConnectorTargetSchema, traits: genesysBotConnectorTraits },
  { schema: cxoneExchangeTargetSchema, traits: cxoneExchangeTraits },
] as const;

/** The `schema` of each entry of a tuple, still a tuple (a mapped type over a type parameter). */
type SchemasOf<T extends readonly { schema: unknown }[]> = {
  readonly [I in keyof T]: T[I] extends { schema: infer S } ? S : never;
};

/** The target schemas alone, as the tuple `z.discriminatedUnion` needs to type each member. */
export const TARGET_SCHEMAS = KIND_SCHEMAS.map(({ schema }) => schema) as unknown as SchemasOf<
  typeof KIND_SCHEMAS
>;

const TRAITS = new Map<string, KindTraits>(
  KIND_SCHEMAS.map(({ schema, traits }) => [schema.shape.kind.value, traits]),
);

/** The traits of a kind the schema admitted. */
export function traitsOf(kind: string): KindTraits {
  const traits = TRAITS.get(kind);
  // The schema only admits listed kinds; reaching this is a bug.
  if (traits === undefined) throw new Error(`no traits for kind ${kind}`);
  return traits;
}
