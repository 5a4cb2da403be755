import { isRecord } from '../../core/http/reply.ts';

/** `userInputType` values of `ExternalIntegrationBotExchangeRequest` (docs/protocols.md §6). */
export const CXONE_USER_INPUT_TYPES = [
  'NO_INPUT',
  'TEXT',
  'BASE64_ENCODED_G711_ULAW_WAV_FILE',
  'USER_INPUT_ARCHIVED_AS_SPECIFIED',
  'USER_ENDED_SESSION',
  'AUTOMATED_TEXT',
  'DTMF_AS_TEXT',
] as const;

export type UserInputType = (typeof CXONE_USER_INPUT_TYPES)[number];

/** A bot-exchange request that passed the schema check. */
export interface ExchangeRequest {
  virtualAgentId: string;
  userInputType: UserInputType;
  userInput: string | undefined;
  contactId: number;
  botSessionState: unknown;
  customPayload: unknown;
}

/** Properties of each schema object; the NICE swagger sets `additionalProperties: false`. */
const REQUEST_FIELDS = new Set([
  'virtualAgentId',
  'botConfig',
  'userInput',
  'userInputType',
  'executionInfo',
  'systemTelemetryData',
  'base64wavFile',
  'botSessionState',
  'customPayload',
  'mediaType',
]);
const EXECUTION_INFO_FIELDS = new Set([
  'contactId',
  'busNo',
  'requestId',
  'actionType',
  'actionId',
  'scriptName',
]);
const TELEMETRY_FIELDS = new Set([
  'consumerProcessHost',
  'consumerProcessName',
  'consumerProcessVersion',
  'inContactClusterAlias',
  'inContactScriptEngineHost',
  'consumerMetaData',
]);

/** int32 fields of `ActionExecutionInfo`; `contactId` is int64. */
const INT32_FIELDS = ['busNo', 'requestId', 'actionId'] as const;
const INT32_MAX = 2 ** 31 - 1;

const absent = (value: unknown): boolean => value === undefined || value === null;
const optionalString = (value: unknown): boolean => absent(value) || typeof value === 'string';

function isUserInputType(value: unknown): value is UserInputType {
  return CXONE_USER_INPUT_TYPES.includes(value as UserInputType);
}

function hasOnly(object: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  return Object.keys(object).every((key) => known.has(key));
}

/** `executionInfo` per `ActionExecutionInfo`: the script action CXone runs the exchange from. */
function checkExecutionInfo(info: unknown): string | { contactId: number } {
  if (absent(info)) return 'executionInfo: missing';
  if (!isRecord(info)) return 'executionInfo: not an object';
  if (!hasOnly(info, EXECUTION_INFO_FIELDS)) return 'executionInfo: unknown field';
  const { contactId } = info;
  if (absent(contactId)) return 'executionInfo.contactId: missing';
  if (typeof contactId !== 'number' || !Number.isInteger(contactId) || contactId < 0) {
    return 'executionInfo.contactId: not an integer';
  }
  for (const field of INT32_FIELDS) {
    const value = info[field];
    if (absent(value)) return `executionInfo.${field}: missing`;
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX) {
      return `executionInfo.${field}: not an int32`;
    }
  }
  if (!optionalString(info.actionType)) return 'executionInfo.actionType: not a string';
  if (!optionalString(info.scriptName)) return 'executionInfo.scriptName: not a string';
  return { contactId };
}

function checkTelemetry(telemetry: unknown): string | undefined {
  if (absent(telemetry)) return undefined;
  if (!isRecord(telemetry)) return 'systemTelemetryData: not an object';
  if (!hasOnly(telemetry, TELEMETRY_FIELDS)) return 'systemTelemetryData: unknown field';
  for (const [key, value] of Object.entries(telemetry)) {
    if (key === 'consumerMetaData') {
      if (absent(value)) continue;
      if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) {
        return 'systemTelemetryData.consumerMetaData: not a map of strings';
      }
    } else if (!optionalString(value)) {
      return 'systemTelemetryData: a field is not a string';
    }
  }
  return undefined;
}

/**
 * Checks a request body against NICE's `ExternalIntegrationBotExchangeRequest` schema
 * (docs/protocols.md §6): the types the swagger gives, no properties it does not list, and the
 * fields CXone always sends (its non-nullable ones, plus `virtualAgentId`). Returns the request
 * or a rejection reason from a fixed set (field names only, never request content).
 */
export function parseExchangeRequest(request: Record<string, unknown>): ExchangeRequest | string {
  if (!hasOnly(request, REQUEST_FIELDS)) return 'body: unknown field';
  const { virtualAgentId, userInputType, userInput } = request;
  if (absent(virtualAgentId)) return 'virtualAgentId: missing';
  if (typeof virtualAgentId !== 'string' || virtualAgentId === '') {
    return 'virtualAgentId: not a non-empty string';
  }
  if (absent(userInputType)) return 'userInputType: missing';
  if (!isUserInputType(userInputType)) return 'userInputType: unknown value';
  if (!optionalString(userInput)) return 'userInput: not a string';
  if (userInputType === 'TEXT' && typeof userInput !== 'string') {
    return 'userInput: required when userInputType is TEXT';
  }
  if (!optionalString(request.base64wavFile)) return 'base64wavFile: not a string';
  if (!optionalString(request.mediaType)) return 'mediaType: not a string';
  const execution = checkExecutionInfo(request.executionInfo);
  if (typeof execution === 'string') return execution;
  const telemetry = checkTelemetry(request.systemTelemetryData);
  if (telemetry !== undefined) return telemetry;
  return {
    virtualAgentId,
    userInputType,
    userInput: typeof userInput === 'string' ? userInput : undefined,
    contactId: execution.contactId,
    botSessionState: request.botSessionState,
    customPayload: request.customPayload,
  };
}
