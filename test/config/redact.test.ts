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

  it('ignores values too short to be secrets, so ordinary text survives', () => {
    expect(createRedactor(['ab'])('tab cab')).toBe('tab cab');
  });

  it('knows which header names carry credentials', () => {
    expect(
      ['Authorization', 'X-API-KEY', 'Cookie', 'x-verify-token'].every(isSensitiveHeader),
    ).toBe(true);
    expect(['Accept', 'Content-Type'].some(isSensitiveHeader)).toBe(false);
  });
});
