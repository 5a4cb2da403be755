/**
 * What the rest of cxprobe knows of a kind: its facts, nothing of its protocol. Each kind states
 * them in its `schema.ts`; the config derives its kind-specific rules from them, the runtime and
 * the sinks their behaviour.
 */
export interface KindTraits {
  /** `cycle`: one request/response probe per interval; `session`: a session kept open. */
  mode: 'cycle' | 'session';
  /** Each probe (or each turn of the session) is a bot turn with a budget. */
  botTurns: boolean;
  /** Sessions stream audio. */
  audio: boolean;
  /** The target has an `interval` field; false for a session kept open without a cadence. */
  interval: boolean;
  /** The type the target's `credential` must name (the schema checks it); any type when absent. */
  credentialType?: 'genesys';
}
