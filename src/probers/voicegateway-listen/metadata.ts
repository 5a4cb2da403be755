import { randomBytes, randomUUID } from 'node:crypto';

/** The call a probe plays: the parts of jambonz's call info that stay the same per target. */
export interface ProbeCall {
  accountSid: string;
  applicationSid: string;
}

/** A fresh account and application id for one target, as a jambonz account would have. */
export function probeCall(): ProbeCall {
  return { accountSid: randomUUID(), applicationSid: randomUUID() };
}

/**
 * The first text frame of a `listen` stream, built as jambonz builds it (docs/protocols.md §5.4):
 * `Object.assign({sampleRate, mixType}, callInfo, metadata)`. The call info is what
 * `CallInfo.toJSON()` gives for an answered inbound call; the verb's `metadata` is merged at the
 * top level last, so it can override any of it, exactly as on the real gateway.
 */
export function listenMetadata(options: {
  call: ProbeCall;
  sampleRate: number;
  mixType: 'mono' | 'stereo' | 'mixed';
  metadata: Record<string, unknown> | undefined;
}): Record<string, unknown> {
  const callInfo = {
    callSid: randomUUID(),
    direction: 'inbound',
    from: '+15550100',
    to: '+15550199',
    callId: randomUUID(),
    sipStatus: 200,
    sipReason: 'OK',
    callStatus: 'in-progress',
    accountSid: options.call.accountSid,
    traceId: randomBytes(16).toString('hex'),
    applicationSid: options.call.applicationSid,
    fsSipAddress: '127.0.0.1:5060',
  };
  return Object.assign(
    { sampleRate: options.sampleRate, mixType: options.mixType },
    callInfo,
    options.metadata,
  );
}
