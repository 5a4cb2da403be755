/** Close codes kept as their own label value (RFC 6455 §7.4 and the IANA registry). */
const KNOWN_CODES = new Set([
  1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015,
]);

/** The `code` label for a close code: a known code, `4xxx` for application codes, else `other`. */
export function closeCodeLabel(code: number): string {
  if (KNOWN_CODES.has(code)) return String(code);
  if (code >= 4000 && code <= 4999) return '4xxx';
  return 'other';
}

/** Every label value closeCodeLabel can return, to pre-create series. */
export const CLOSE_CODE_LABELS = [...[...KNOWN_CODES].map(String), '4xxx', 'other'];
