import { describe, expect, it } from 'vitest';
import {
  checkExpectations,
  getPath,
  parseJsonBody,
  type Expectations,
} from '../../src/probers/http/expectations.ts';

const BODY = JSON.stringify({
  status: 'UP',
  count: 3,
  ok: true,
  none: null,
  zero: 0,
  items: [{ id: 'a1' }, { id: 'b2' }],
  nested: { deep: { value: 'x' } },
});

describe('checkExpectations', () => {
  describe('status', () => {
    it.each([200, 201, 204, 299])('accepts %i by default', (status) => {
      expect(checkExpectations(undefined, status, '')).toBeUndefined();
      expect(checkExpectations({}, status, '')).toBeUndefined();
    });

    it.each([100, 199, 301, 404, 500, 503])('rejects %i by default', (status) => {
      expect(checkExpectations(undefined, status, '')).toEqual({
        reason: 'unexpected_status',
        message: `status ${status}, expected 2xx`,
      });
    });

    it('accepts exactly the listed statuses', () => {
      const expect_: Expectations = { status: [200, 404] };
      expect(checkExpectations(expect_, 404, '')).toBeUndefined();
      expect(checkExpectations(expect_, 204, '')).toEqual({
        reason: 'unexpected_status',
        message: 'status 204, expected 200, 404',
      });
    });

    it('checks the status before the body', () => {
      expect(checkExpectations({ body_regex: 'x' }, 500, 'y')?.reason).toBe('unexpected_status');
    });
  });

  describe('body_regex', () => {
    it('passes a match anywhere in the body and fails a mismatch', () => {
      expect(checkExpectations({ body_regex: 'UP' }, 200, BODY)).toBeUndefined();
      expect(checkExpectations({ body_regex: '^DOWN$' }, 200, BODY)).toEqual({
        reason: 'body_mismatch',
        message: 'body does not match /^DOWN$/',
      });
    });

    it('checks body_regex before JSON fields', () => {
      const result = checkExpectations(
        { body_regex: 'nope', json: [{ path: 'status', equals: 'UP' }] },
        200,
        'not json',
      );
      expect(result?.reason).toBe('body_mismatch');
    });
  });

  describe('json', () => {
    it.each([
      [{ path: 'status', equals: 'UP' }],
      [{ path: 'count', equals: 3 }],
      [{ path: 'ok', equals: true }],
      [{ path: 'none', equals: null }],
      [{ path: 'zero', equals: 0 }],
      [{ path: 'items.1.id', equals: 'b2' }],
      [{ path: 'nested.deep.value', matches: '^x$' }],
      [{ path: 'count', matches: '^3$' }],
      [{ path: 'items', matches: 'a1' }],
      [{ path: 'status' }],
    ])('passes %j', (rule) => {
      expect(checkExpectations({ json: [rule] }, 200, BODY)).toBeUndefined();
    });

    it.each([
      [{ path: 'status', equals: 'DOWN' }, 'JSON field status is "UP", expected "DOWN"'],
      [{ path: 'count', equals: '3' }, 'JSON field count is 3, expected "3"'],
      [{ path: 'ok', equals: false }, 'JSON field ok is true, expected false'],
      [{ path: 'status', matches: '^down$' }, 'JSON field status does not match /^down$/'],
      [{ path: 'missing' }, 'JSON field missing is missing'],
      [{ path: 'items.5.id' }, 'JSON field items.5.id is missing'],
      [{ path: 'status.length' }, 'JSON field status.length is missing'],
    ])('fails %j with json_mismatch', (rule, message) => {
      expect(checkExpectations({ json: [rule] }, 200, BODY)).toEqual({
        reason: 'json_mismatch',
        message,
      });
    });

    it('reports the first failing rule', () => {
      const result = checkExpectations(
        {
          json: [
            { path: 'status', equals: 'UP' },
            { path: 'count', equals: 4 },
            { path: 'ok', equals: false },
          ],
        },
        200,
        BODY,
      );
      expect(result?.message).toContain('count');
    });

    it('fails a body that is not JSON with invalid_json', () => {
      for (const body of ['', '<html></html>', '{"status":"UP"', 'UP']) {
        expect(checkExpectations({ json: [{ path: 'status' }] }, 200, body)).toEqual({
          reason: 'invalid_json',
          message: 'body is not JSON',
        });
      }
    });

    it('ignores the body when there are no JSON rules', () => {
      expect(checkExpectations({ json: [] }, 200, 'not json')).toBeUndefined();
    });
  });
});

describe('parseJsonBody', () => {
  it('wraps the value so that a literal null still counts as parsed', () => {
    expect(parseJsonBody('null')).toEqual({ value: null });
    expect(parseJsonBody('[1]')).toEqual({ value: [1] });
    expect(parseJsonBody('nope')).toBeUndefined();
  });
});

describe('getPath', () => {
  it('walks objects and array indexes', () => {
    const value: unknown = JSON.parse(BODY);
    expect(getPath(value, 'items.0.id')).toBe('a1');
    expect(getPath(value, 'nested.deep')).toEqual({ value: 'x' });
    expect(getPath(value, 'none.x')).toBeUndefined();
    expect(getPath('text', 'a')).toBeUndefined();
  });

  it('finds own fields only, never inherited ones', () => {
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({ a: {} }, 'a.toString')).toBeUndefined();
    expect(getPath([1, 2], 'length')).toBe(2);
    expect(checkExpectations({ json: [{ path: 'constructor' }] }, 200, '{}')?.reason).toBe(
      'json_mismatch',
    );
  });
});
