import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Document, stringify } from 'yaml';
import {
  durationTooLong,
  formatDurationMs,
  MAX_TIMER_MS,
  parseDurationMs,
} from '../../../src/config/duration.ts';
import { ConfigError } from '../../../src/config/errors.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { hostileNumber } from '../arbitraries.ts';
import { asyncOutcome, ensure, fuzzTarget, type FuzzTarget } from '../target.ts';

/**
 * The config loader (`parseConfig`, src/config/load.ts) and the duration grammar it uses: free
 * YAML text, configs built from the published JSON Schema's shape with hostile values mixed in,
 * aliases (bombs and unresolved ones), `${VAR}` references, and durations.
 */

/** A config path that does not exist: `*_file` fields resolve next to it and are never found. */
const CONFIG_FILE = '/nonexistent-cxprobe-fuzz/cxprobe.yml';

/** Durations: valid, over the timer limit, absurdly long, and the typos the grammar refuses. */
export const durationText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '15s',
    '1m30s',
    '500ms',
    '0s',
    '2h',
    '1d',
    '1w',
    '1y',
    '1200h',
    '600h',
    '24d20h31m23s647ms',
    '24d20h31m23s648ms',
    '99999999999999999999999y',
    `${'9'.repeat(400)}ms`,
    '15',
    '15sec',
    '-5s',
    '1.5s',
    ' 5s ',
    '5s5s',
    's',
    'ms',
    '',
    '1m1h',
  ),
  fc
    .tuple(
      ...['y', 'w', 'd', 'h', 'm', 's', 'ms'].map((unit) =>
        fc.option(
          fc
            .oneof(fc.nat(1_000), fc.bigInt({ min: 0n, max: 10n ** 30n }))
            .map((n) => `${n}${unit}`),
          { nil: '' },
        ),
      ),
    )
    .map((parts) => parts.join('')),
  fc.string({ maxLength: 12 }),
);

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
};

const SCHEMA = JSON.parse(
  readFileSync(new URL('../../../cxprobe.schema.json', import.meta.url), 'utf8'),
) as JsonSchema;

/** Secrets the structured configs carry; no error message may ever quote one. */
const secretText = fc.stringMatching(/^fuzzsecret[0-9a-f]{8}$/);
const SECRET_KEYS = new Set(['client_secret', 'url_token', 'api_key', 'password']);

const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  fc.string({ maxLength: 20 }),
  fc.constantFrom(null, true, false, [], {}),
);

/** A string for field `key`, shaped by what the field holds so that some configs load. */
function stringFor(key: string, schema: JsonSchema): fc.Arbitrary<unknown> {
  if (SECRET_KEYS.has(key)) return fc.oneof(secretText, fc.constant('${CXPROBE_FUZZ_SECRET}'));
  if (key.endsWith('_file') || key === 'file') {
    return fc.constantFrom('missing.pem', 'missing.wav', 'sub/../missing', '.');
  }
  if (key === 'name' || key === 'credential') {
    return fc.oneof(fc.constantFrom('a', 'b', 'cred', 'x.y:z'), fc.stringMatching(/^[a-z]{1,4}$/));
  }
  if (/url|uri/i.test(key)) {
    return fc.oneof(
      fc.constantFrom(
        'https://example.invalid/',
        'wss://example.invalid/ws',
        'http://127.0.0.1:1/x?access_token=fuzzsecret12345678',
        'ws://[::1]:0/',
        'https://${CXPROBE_FUZZ_HOST}/',
        'not a url',
        'file:///etc/passwd',
      ),
      fc.webUrl(),
    );
  }
  if (
    /interval|timeout|^initial$|^max$|stable_after|refresh_before|budget|rollover|duration|length|^talk$|^pause$|buffer/.test(
      key,
    )
  ) {
    return durationText;
  }
  if (schema.pattern !== undefined) {
    return fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), fc.string({ maxLength: 10 }));
  }
  if (/regex|matches|expect/.test(key)) {
    return fc.constantFrom('ok', '^\\d+$', '(unclosed', '[z-a]', '(a+)+$', '');
  }
  return fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('${CXPROBE_FUZZ_UNSET}', ''));
}

/**
 * A value shaped by a JSON Schema node: objects with a random subset of their properties,
 * one branch of a union, strings shaped by the field name, hostile scalars now and then.
 */
function fromSchema(schema: JsonSchema, key: string, depth: number): fc.Arbitrary<unknown> {
  const shaped = shapedFromSchema(schema, key, depth);
  return fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: hostileScalar });
}

function shapedFromSchema(schema: JsonSchema, key: string, depth: number): fc.Arbitrary<unknown> {
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches !== undefined && branches.length > 0) {
    return fc.oneof(...branches.map((branch) => shapedFromSchema(branch, key, depth)));
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      if (depth > 6) return fc.constant({});
      const properties = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      const fields = Object.fromEntries(
        properties.map(([name, child]) => [
          name,
          required.has(name)
            ? fromSchema(child, name, depth + 1)
            : fc.option(fromSchema(child, name, depth + 1), { nil: undefined, freq: 2 }),
        ]),
      );
      const additional =
        typeof schema.additionalProperties === 'object'
          ? fc.dictionary(
              fc.string({ maxLength: 8 }),
              fromSchema(schema.additionalProperties, key, depth + 1),
              { maxKeys: 3 },
            )
          : fc.option(fc.dictionary(fc.constantFrom('extra', 'kind', 'intervall'), hostileScalar), {
              nil: {},
              freq: 8,
            });
      return fc.tuple(fc.record(fields), additional).map(([record, extra]) => {
        const object: Record<string, unknown> = { ...extra };
        for (const [name, value] of Object.entries(record)) {
          if (value !== undefined) object[name] = value;
        }
        return object;
      });
    }
    case 'array':
      return fc.array(
        schema.items === undefined ? hostileScalar : fromSchema(schema.items, key, depth + 1),
        { maxLength: key === 'targets' ? 4 : 3 },
      );
    case 'string':
      return stringFor(key, schema);
    case 'integer':
    case 'number':
      return fc.oneof(fc.constantFrom(1, 8000, 65_536, 1_048_576), hostileNumber);
    case 'boolean':
      return fc.boolean();
    default:
      return hostileScalar;
  }
}

/** Configs of the schema's shape, as YAML. */
export const structuredConfig: fc.Arbitrary<string> = fromSchema(SCHEMA, 'config', 0).map(
  (config) => stringify(config),
);

/** Configs of the schema's shape whose repeated parts are YAML anchors and aliases. */
const aliasedConfig: fc.Arbitrary<string> = shapedFromSchema(SCHEMA, 'config', 0).map((config) => {
  const object = (typeof config === 'object' && config !== null ? config : {}) as Record<
    string,
    unknown
  >;
  // The same object twice: the YAML writer turns the second into an alias of the first.
  const targets: unknown[] = Array.isArray(object.targets) ? (object.targets as unknown[]) : [];
  const doubled = { ...object, targets: [...targets, ...targets] };
  return new Document(doubled, { aliasDuplicateObjects: true }).toString();
});

/** A billion-laughs document of random width and depth. */
const aliasBomb: fc.Arbitrary<string> = fc
  .record({ width: fc.integer({ min: 2, max: 12 }), depth: fc.integer({ min: 1, max: 10 }) })
  .map(({ width, depth }) => {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
    for (let level = 1; level < depth; level++) {
      lines.push(
        `l${level}: &l${level} [${Array(width)
          .fill(`*l${level - 1}`)
          .join(',')}]`,
      );
    }
    return `${lines.join('\n')}\ntargets: []\n`;
  });

/** YAML-ish text: free text, broken fragments, unresolved aliases, tags, deep flow nesting. */
const yamlText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    'targets: *nowhere\n',
    'targets: !!binary aGVsbG8=\n',
    'targets: !!js/function "function(){}"\n',
    '? [a]\n: b\n',
    '%YAML 1.2\n---\ntargets: []\n...\n---\n',
    'targets: [\n',
    'global: {interval: 1e400}\ntargets: []\n',
    'targets:\n  - &a {name: a, kind: http, url: "https://x/"}\n  - *a\n',
    'targets: []\ntargets: []\n',
    '<<: *x\n',
    '\uFEFFtargets: []\n',
  ),
  fc
    .integer({ min: 1, max: 5_000 })
    .map((depth) => `targets: ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
  fc
    .tuple(structuredConfig, fc.nat(), fc.string({ maxLength: 4 }))
    .map(([text, cut, junk]) => text.slice(0, cut % (text.length + 1)) + junk),
);

const environment = fc.record({
  CXPROBE_FUZZ_SECRET: fc.option(fc.stringMatching(/^fuzzsecret[0-9a-f]{8}$/), { nil: undefined }),
  CXPROBE_FUZZ_HOST: fc.option(fc.constantFrom('example.invalid', '', '::1', 'a b'), {
    nil: undefined,
  }),
});

/** The secrets a config text names (structured configs use `fuzzsecret` + 8 hex digits). */
function secretsIn(text: string, env: Record<string, string | undefined>): string[] {
  const named = text.match(/fuzzsecret[0-9a-f]{8}/g) ?? [];
  return [...named, ...(env.CXPROBE_FUZZ_SECRET === undefined ? [] : [env.CXPROBE_FUZZ_SECRET])];
}

/**
 * `parseConfig` answers a frozen config or a {@link ConfigError}, nothing else; a loaded config
 * has only durations a timer can hold; an error never quotes a secret of the text.
 */
async function checkConfig([text, env]: [string, Record<string, string | undefined>]) {
  const result = await asyncOutcome(() => parseConfig(text, CONFIG_FILE, env), ConfigError);
  if ('error' in result) {
    const message = result.error.message;
    ensure(message.length > 0, 'a ConfigError with no message');
    for (const secret of secretsIn(text, env)) {
      ensure(!message.includes(secret), `the error quotes the secret ${secret}`);
    }
    return;
  }
  const config = result.value;
  ensure(Object.isFrozen(config), 'the loaded config is not frozen');
  for (const target of config.targets) {
    for (const [field, ms] of [
      ['interval', target.interval],
      ['timeout', target.timeout],
    ] as const) {
      ensure(
        Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS,
        `target ${target.name} loaded with ${field} ${ms} ms`,
      );
    }
  }
}

export const CONFIG_TARGETS: FuzzTarget[] = [
  fuzzTarget({
    name: 'config.parseConfig (YAML text)',
    arbitrary: fc.tuple(fc.oneof(yamlText, aliasBomb), environment),
    check: checkConfig,
  }),
  fuzzTarget({
    name: 'config.parseConfig (schema-shaped configs)',
    arbitrary: fc.tuple(
      fc.oneof({ weight: 3, arbitrary: structuredConfig }, aliasedConfig),
      environment,
    ),
    check: checkConfig,
  }),
  fuzzTarget({
    name: 'config.parseDurationMs',
    arbitrary: fc.oneof(durationText, fc.string({ maxLength: 40 })),
    check(text: string) {
      const ms = parseDurationMs(text);
      if (ms === undefined) return;
      ensure(ms >= 0 && !Number.isNaN(ms), `${JSON.stringify(text)} parsed to ${ms}`);
      if (durationTooLong(ms) === undefined) {
        // A duration the config accepts prints back and re-reads to the same value.
        ensure(parseDurationMs(formatDurationMs(ms)) === ms, `${ms} ms does not round-trip`);
      }
    },
  }),
  fuzzTarget({
    name: 'config.formatDurationMs ↔ parseDurationMs',
    arbitrary: fc.oneof(fc.nat(MAX_TIMER_MS), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    check(ms: number) {
      const text = formatDurationMs(ms);
      ensure(parseDurationMs(text) === ms, `${ms} ms → ${text} → ${parseDurationMs(text)}`);
    },
  }),
];
