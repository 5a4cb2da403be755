import { describe, expect, it } from 'vitest';
import { createRedactor, isSensitiveHeader, REDACTED } from '../../src/config/redact.ts';

describe('redactor', () => {
  const redact = createRedactor(['s3cr3t-value', 'tok/en+with=chars']);

  it('replaces every known secret value, plain and URL-encoded', () => {
    expect(redact('a s3cr3t-value b s3cr3t-value')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact(`https://x/${encodeURIComponent('tok/en+with=chars')}/y`)).toBe(
      `https://x/${REDACTED}/y`,
    );
  });

  it('hides credentials in URLs and auth headers even when they are not known values', () => {
    expect(redact('wss://h/channels?access_token=abc.def&x=1')).toBe(
      `wss://h/channels?access_token=${REDACTED}&x=1`,
    );
    expect(redact('https://user:pa55@host/path')).toBe(`https://user:${REDACTED}@host/path`);
    expect(redact('Authorization: Bearer eyJhbGciOi.abc')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
  });

  it('scrubs a short secret where it stands alone, and leaves words that merely contain it', () => {
    const short = createRedactor(['ab']);
    expect(short('tab cab')).toBe('tab cab');
    expect(short('password=ab;')).toBe(`password=${REDACTED};`);
    expect(short('{"secret":"ab"}')).toBe(`{"secret":"${REDACTED}"}`);
  });

  it('scrubs a secret with quotes or backslashes in its JSON- and logfmt-escaped form', () => {
    const secret = 'q"uo\\te\u0001';
    const line = JSON.stringify({ msg: `got ${secret}` });
    expect(line).not.toContain(secret);
    expect(createRedactor([secret])(line)).toBe(JSON.stringify({ msg: `got ${REDACTED}` }));
  });

  it('scrubs a secret reflected inside base64 Basic credentials, at any alignment', () => {
    const secret = 'client-secret-value';
    const redactSecret = createRedactor([secret]);
    for (const id of ['a', 'ab', 'abc']) {
      const basic = Buffer.from(`${id}:${secret}`).toString('base64');
      // Reflected without the "Basic" scheme word, e.g. in an echoed body.
      const scrubbed = redactSecret(`{"echo":"${basic}"}`);
      expect(scrubbed, id).toContain(REDACTED);
      // What is left cannot decode back to the secret.
      const left = scrubbed
        .replace(/.*"echo":"|".*/g, '')
        .split(REDACTED)
        .join('');
      expect(Buffer.from(left, 'base64').toString('latin1'), id).not.toContain(secret.slice(3));
    }
  });

  it('hides every secret query parameter of the one list', () => {
    for (const name of ['auth', 'id_token', 'code', 'refresh_token', 'x-amz-signature']) {
      expect(redact(`https://h/p?${name}=abc123&x=1`)).toBe(`https://h/p?${name}=${REDACTED}&x=1`);
    }
  });

  it('knows which header names carry credentials', () => {
    expect(
      ['Authorization', 'X-API-KEY', 'Cookie', 'x-verify-token'].every(isSensitiveHeader),
    ).toBe(true);
    expect(['Accept', 'Content-Type'].some(isSensitiveHeader)).toBe(false);
  });
});
