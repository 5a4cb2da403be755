import type { FailureReason } from '../../events/reasons.ts';
import { quotePeerValue, stringifyPeerValue } from '../../text/json-quote.ts';

/** Longest piece of a response value quoted in a failure message. */
const QUOTE_LIMIT = 120;

/** What a target expects of a response; the schema's `expect` block. */
export interface Expectations {
  status?: readonly number[];
  body_regex?: string;
  json?: readonly { path: string; equals?: string | number | boolean | null; matches?: string }[];
}

export interface ExpectationFailure {
  reason: FailureReason;
  message: string;
}

/** Checks status, body regex and JSON fields in that order; returns the first failure. */
export function checkExpectations(
  expect: Expectations | undefined,
  status: number,
  body: string,
): ExpectationFailure | undefined {
  const accepted = expect?.status;
  if (accepted === undefined ? status < 200 || status > 299 : !accepted.includes(status)) {
    const wanted = accepted === undefined ? '2xx' : accepted.join(', ');
    return { reason: 'unexpected_status', message: `status ${status}, expected ${wanted}` };
  }
  if (expect?.body_regex !== undefined && !new RegExp(expect.body_regex).test(body)) {
    return { reason: 'body_mismatch', message: `body does not match /${expect.body_regex}/` };
  }
  if (expect?.json === undefined || expect.json.length === 0) return undefined;
  const parsed = parseJsonBody(body);
  if (parsed === undefined) return { reason: 'invalid_json', message: 'body is not JSON' };
  for (const rule of expect.json) {
    const value = getPath(parsed.value, rule.path);
    if (value === undefined)
      return { reason: 'json_mismatch', message: `JSON field ${rule.path} is missing` };
    if (rule.equals !== undefined && value !== rule.equals) {
      return {
        reason: 'json_mismatch',
        message: `JSON field ${rule.path} is ${quotePeerValue(value, QUOTE_LIMIT)}, expected ${JSON.stringify(rule.equals)}`,
      };
    }
    if (rule.matches !== undefined) {
      // A value too deep to write as JSON matches nothing (and must not throw).
      const text = typeof value === 'string' ? value : stringifyPeerValue(value);
      if (text === undefined || !new RegExp(rule.matches).test(text)) {
        return {
          reason: 'json_mismatch',
          message: `JSON field ${rule.path} does not match /${rule.matches}/`,
        };
      }
    }
  }
  return undefined;
}

/** Parses JSON without throwing; `{value}` so that a literal `null` body is still "parsed". */
export function parseJsonBody(body: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    return undefined;
  }
}

/** Reads `a.b.0.c` from parsed JSON. */
export function getPath(value: unknown, dotPath: string): unknown {
  let current = value;
  for (const part of dotPath.split('.')) {
    // Own properties only: "constructor" or "toString" must not be found on every object.
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part))
      return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
