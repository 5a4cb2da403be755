/**
 * JSON text of a value a peer sent, without throwing: `JSON.stringify` recurses and overflows
 * the stack on a value nested some thousands deep (a 200 kB body is enough), and JSON.parse
 * accepts such a value happily. Undefined when the value has no JSON text or is too deep.
 */
export function stringifyPeerValue(value: unknown): string | undefined {
  try {
    // Typed as string, but undefined for undefined, functions and symbols.
    const text: string | undefined = JSON.stringify(value);
    return text;
  } catch {
    return undefined;
  }
}

/** Longest piece of a peer's value quoted in a probe message, by default. */
export const QUOTE_LIMIT = 40;

/**
 * A peer's value quoted for a probe message (logs, spans, the history page): JSON, cut to
 * `limit` characters, `nothing` for a missing value, never an exception.
 */
export function quotePeerValue(value: unknown, limit: number = QUOTE_LIMIT): string {
  if (value === undefined) return 'nothing';
  const text = stringifyPeerValue(value) ?? 'a value nested too deeply to quote';
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
