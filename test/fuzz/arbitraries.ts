import fc from 'fast-check';

/**
 * Hostile inputs shared by every fuzz target: what a broken or malicious peer sends on a bad
 * day. Numbers come with the values that break naive code (NaN, ±Infinity, -0, 1e308, 2^53,
 * negatives); JSON text can carry numbers JSON.stringify never writes (`1e400` parses to
 * Infinity, `-0`, 2^53 + 1), nesting deep enough to overflow a recursive walker, and keys the
 * protocols actually use so that the parsers get past their first check.
 */

/** Numbers a peer can put in a JSON field (after JSON.parse) or that our code may be handed. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    8000,
    -8000,
    16000,
    65_535,
  ),
  fc.integer(),
  fc.double(),
);

/** Number tokens as JSON text: some parse to values JSON.stringify cannot write. */
const RAW_NUMBER_TOKENS = [
  '1e400',
  '-1e400',
  '-0',
  '1e-400',
  '9007199254740993',
  '1e308',
  '-1e308',
  '123456789012345678901234567890',
  '0.000000000000000000000000001',
  '2147483648',
  '-2147483649',
] as const;

/** Field names the parsed protocols use, so generated objects reach past the envelope checks. */
export const PROTOCOL_KEYS = [
  'version',
  'id',
  'type',
  'seq',
  'clientseq',
  'serverseq',
  'position',
  'parameters',
  'media',
  'discardTo',
  'startPaused',
  'supportedLanguages',
  'reason',
  'info',
  'entities',
  'data',
  'offset',
  'duration',
  'audioContent',
  'audioContentType',
  'sampleRate',
  'queuePlay',
  'name',
  'event',
  'topicName',
  'eventBody',
  'message',
  'result',
  'access_token',
  'expires_in',
  'token_type',
  'error',
  'botState',
  'replymessages',
  'replyMessages',
  'text',
  'content',
  'intent',
  'confidence',
  'errorInfo',
  'errorMessage',
  'branchName',
  'nextPromptSequence',
  'prompts',
  'intentInfo',
  'nextPromptBehaviors',
  'errorDetails',
  'customPayload',
  'sid',
  'upgrades',
  'pingInterval',
  'pingTimeout',
  'maxPayload',
  'outputStack',
  'URLToken',
  'userId',
  'sessionId',
  'resetFlow',
  'passthroughIP',
  'expires',
  'connectUri',
  '__proto__',
  'constructor',
  'toString',
  '',
] as const;

/** A key: mostly one the protocols know, sometimes anything. */
export const jsonKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTOCOL_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Any JSON scalar as text, numbers included in forms JSON.stringify never writes. */
const jsonScalarText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '""', '"PT1S"', '"PT-1S"', '"2"'),
  fc.constantFrom(...RAW_NUMBER_TOKENS),
  hostileNumber.map((n) => (Number.isFinite(n) ? JSON.stringify(n) : '1e999')),
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => JSON.stringify(s)),
);

/** JSON text of bounded size built from protocol keys and hostile scalars. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonScalarText,
    fc.array(tie('value'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(jsonKey, tie('value')), { maxLength: 8 })
      .map(
        (pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`,
      ),
  ),
})).value;

/**
 * JSON nested far deeper than any protocol needs (5,000 to 30,000 levels): a parser or a
 * `JSON.stringify` that recurses over a peer's value overflows the stack on it (V8's does from
 * about 5,000), and 30,000 `[]` levels still fit AudioHook's 64 KiB message limit. The deep
 * value is put where a parser looks: alone, or under one of the protocol keys.
 */
export const deeplyNestedJson: fc.Arbitrary<string> = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 5_000, max: 30_000 })),
    open: fc.constantFrom('[', '{"a":'),
    key: fc.option(jsonKey, { nil: undefined }),
    leaf: jsonScalarText,
  })
  .map(({ depth, open, key, leaf }) => {
    const close = open === '[' ? ']' : '}';
    const nested = open.repeat(depth) + leaf + close.repeat(depth);
    return key === undefined ? nested : `{${JSON.stringify(key)}:${nested}}`;
  });

/** A large but bounded array: a parser must not be quadratic or unbounded on it. */
export const hugeArrayJson: fc.Arbitrary<string> = fc
  .record({ length: fc.integer({ min: 1_000, max: 10_000 }), key: jsonKey, item: jsonScalarText })
  .map(
    ({ length, key, item }) => `{${JSON.stringify(key)}:[${Array(length).fill(item).join(',')}]}`,
  );

/** Bytes decoded as a `ws` text frame is (invalid UTF-8 becomes U+FFFD). */
export const invalidUtf8Text: fc.Arbitrary<string> = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => Buffer.from(bytes).toString('utf8'));

/** Text that almost is JSON: a valid document truncated or with a byte flipped. */
export const brokenJsonText: fc.Arbitrary<string> = fc
  .tuple(jsonText, fc.nat(), fc.string({ maxLength: 3 }))
  .map(([text, cut, junk]) => text.slice(0, cut % (text.length + 1)) + junk);

/**
 * Any text frame: free text, invalid UTF-8, JSON with hostile values, broken JSON, deep nesting
 * and huge arrays (rarer: they are large).
 */
export function textFrame(shaped?: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: invalidUtf8Text },
    { weight: 4, arbitrary: jsonText },
    { weight: 1, arbitrary: brokenJsonText },
    { weight: 1, arbitrary: deeplyNestedJson },
    { weight: 1, arbitrary: hugeArrayJson },
    ...(shaped === undefined ? [] : [{ weight: 6, arbitrary: shaped }]),
  );
}

/** Any value JSON.parse may return, with hostile numbers and deep nesting. */
export const jsonValue: fc.Arbitrary<unknown> = fc
  .oneof({ weight: 6, arbitrary: jsonText }, { weight: 1, arbitrary: deeplyNestedJson })
  .map((text) => JSON.parse(text) as unknown);

/** JSON text of `value`; undefined (the field is left out) when JSON has no spelling for it. */
function literal(value: unknown): string | undefined {
  const text: string | undefined = JSON.stringify(value);
  return text;
}

/** A field's value as JSON text: usually one the protocol wants, else hostile or absent. */
export function fieldText(valid: readonly unknown[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid).map(literal) },
    { weight: 1, arbitrary: jsonScalarText },
    { weight: 1, arbitrary: jsonText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/**
 * A protocol message shaped like `template` (field → the values the protocol allows), each
 * field kept valid or replaced by hostile JSON (absent, absurd numbers, wrong types), now and
 * then one field nested thousands deep, sometimes an extra field; as JSON text. Reaches the
 * checks behind the envelope that free JSON rarely gets to. Built as text: the deep values
 * would overflow JSON.stringify.
 */
export function shapedMessage(
  template: Readonly<Record<string, readonly unknown[]>>,
): fc.Arbitrary<string> {
  const keys = Object.keys(template);
  const fields = Object.values(template).map((valid) => fieldText(valid));
  // At most one deep field: enough to find a recursive walker, cheap enough to parse 10,000 times.
  const deep = fc.option(fc.tuple(fc.nat(), deeplyNestedJson), { nil: undefined, freq: 3 });
  const extra = fc.option(
    fc.tuple(jsonKey, jsonText).map(([key, text]) => `${JSON.stringify(key)}:${text}`),
    { nil: undefined },
  );
  return fc.tuple(fc.tuple(...fields), deep, extra).map(([texts, deepField, more]) => {
    const values = [...texts];
    if (deepField !== undefined && values.length > 0) {
      values[deepField[0] % values.length] = deepField[1];
    }
    const pairs = values.map((text, index) =>
      text === undefined ? undefined : `${JSON.stringify(keys[index])}:${text}`,
    );
    return `{${[...pairs, more].filter((pair) => pair !== undefined).join(',')}}`;
  });
}
