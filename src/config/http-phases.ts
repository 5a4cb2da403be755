/** The HTTP phases reported from got's timings, plus the whole request. */
export const HTTP_PHASES = [
  'dns',
  'connect',
  'tls',
  'request',
  'first_byte',
  'download',
  'total',
] as const;
export type HttpPhase = (typeof HTTP_PHASES)[number];
