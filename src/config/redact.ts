/** Replacement text for anything secret. */
export const REDACTED = '<redacted>';

/** Query parameters that carry credentials (an `access_token` in a URL is a secret too). */
const SECRET_QUERY =
  /([?&](?:access_token|token|client_secret|api_key|apikey|key|password|secret|sig|signature)=)[^&#\s"']*/gi;
/** `user:password@` in URLs. */
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi;
/** `Bearer xyz` / `Basic xyz` wherever it appears in text. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g;

/** Header names whose values are credentials. */
export function isSensitiveHeader(name: string): boolean {
  return /authorization|cookie|token|secret|api[-_]?key|password|signature/i.test(name);
}

/** Scrubs secrets from text. One instance per config: it knows that config's secret values. */
export type Redactor = (text: string) => string;

export function createRedactor(secrets: readonly string[]): Redactor {
  // Longest first, so a secret that contains another is replaced whole.
  const literal = [...new Set(secrets)]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const secret of literal)
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    for (const form of encodedForms(literal, result)) result = result.split(form).join(REDACTED);
    return result
      .replace(SECRET_QUERY, `$1${REDACTED}`)
      .replace(URL_USERINFO, `$1${REDACTED}@`)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  };
}

/** Secrets may also show up URL-encoded (e.g. a token in a path). */
function encodedForms(secrets: readonly string[], text: string): string[] {
  return secrets.map((secret) => encodeURIComponent(secret)).filter((form) => text.includes(form));
}
