/** Replacement text for anything secret. */
export const REDACTED = '<redacted>';

/**
 * Query parameters that carry credentials (an `access_token` in a URL is a secret too). The one
 * list: log lines, /config, error messages and span attributes all scrub these.
 */
export const SECRET_QUERY_PARAMS = [
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'auth',
  'code',
  'client_secret',
  'api_key',
  'apikey',
  'key',
  'password',
  'secret',
  'sig',
  'signature',
  'x-amz-signature',
  'awsaccesskeyid',
  'x-goog-signature',
  'urltoken',
  'url_token',
] as const;

const SECRET_PARAM_NAMES: ReadonlySet<string> = new Set(SECRET_QUERY_PARAMS);

/** True for a query parameter whose value is a credential. */
export function isSecretQueryParam(name: string): boolean {
  return SECRET_PARAM_NAMES.has(name.toLowerCase());
}

const SECRET_QUERY = new RegExp(
  `([?&](?:${SECRET_QUERY_PARAMS.map((name) => name.replace(/[-_]/g, '[-_]')).join('|')})=)[^&#\\s"']*`,
  'gi',
);

/** Credential values carried inside a URL (secret query parameters, userinfo password). */
export function secretsInUrl(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const found = [...url.searchParams]
    .filter(([name]) => isSecretQueryParam(name))
    .map(([, value]) => value);
  if (url.password !== '') found.push(decodeURIComponent(url.password));
  return found.filter((value) => value !== '');
}
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
  const unique = [...new Set(secrets)].filter((secret) => secret !== '');
  // Longest first, so a secret that contains another is replaced whole.
  const forms = [
    ...new Set(unique.filter((secret) => secret.length >= MIN_LITERAL).flatMap(formsOf)),
  ].sort((a, b) => b.length - a.length);
  // A secret this short would match inside ordinary words: it is scrubbed where it stands alone.
  const short = unique.filter((secret) => secret.length < MIN_LITERAL);
  const shortPattern =
    short.length === 0
      ? undefined
      : new RegExp(`(?<![A-Za-z0-9])(?:${short.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'g');
  return (text) => {
    let result = text;
    for (const form of forms) if (result.includes(form)) result = result.split(form).join(REDACTED);
    if (shortPattern !== undefined) result = result.replace(shortPattern, REDACTED);
    return result
      .replace(SECRET_QUERY, `$1${REDACTED}`)
      .replace(URL_USERINFO, `$1${REDACTED}@`)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  };
}

/** Secrets shorter than this are matched only as whole words (see createRedactor). */
const MIN_LITERAL = 4;
/** Base64 fragments shorter than this would match random text. */
const MIN_BASE64_FORM = 8;

/**
 * Every way a secret shows up in text we write: as is, escaped inside a JSON or logfmt string (a
 * `"` or `\` in it), URL-encoded (a token in a path), and base64-encoded at any alignment (Basic
 * credentials `id:secret` reflected by a server).
 */
function formsOf(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
  const bytes = Buffer.from(secret, 'utf8');
  for (let skip = 0; skip < 3; skip++) {
    // With `skip` bytes of the secret finishing the previous base64 group, the rest encodes to
    // the same characters whatever precedes it.
    const whole = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3);
    const form = whole.toString('base64');
    if (form.length >= MIN_BASE64_FORM) forms.push(form);
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
