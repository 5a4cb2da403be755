import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KINDS_WITH_BUDGET, TARGET_KINDS } from '../../src/config/schema.ts';
import { KINDS } from '../../src/kinds/registry.ts';
import { KIND_SCHEMAS } from '../../src/kinds/schemas.ts';

/**
 * Issue 10: a kind's name appears in its own folder (src/kinds/<kind>/) and nowhere else in
 * src/; everything else asks the kind's traits. The simulator and the mixin speak of platforms
 * and dashboards, not of config kinds, and are not scanned.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const NOT_SCANNED = ['simulator', 'mixin'].map((folder) => path.join(SRC, folder) + path.sep);

/** `http` and `websocket` are protocol names too (network.protocol.name, Socket.IO transports). */
const ALSO_PROTOCOL_NAMES = new Set(['http', 'websocket']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return NOT_SCANNED.includes(full + path.sep) ? [] : sourceFiles(full);
    }
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/**
 * What counts as naming `kind` in code: any string literal of it; for a protocol name, only the
 * uses that can mean a kind (a comparison, a case, the schema literal, an object's kind).
 */
function kindNamePattern(kind: string): RegExp {
  const name = escape(kind);
  // Backticks are left out: comments quote kinds as Markdown code (`kind: audiohook`).
  const quoted = `(?:'${name}'|"${name}")`;
  if (!ALSO_PROTOCOL_NAMES.has(kind)) return new RegExp(quoted);
  return new RegExp(
    [
      `kind\\s*[!=]==\\s*${quoted}`,
      `case\\s+${quoted}`,
      `z\\.literal\\(\\s*${quoted}`,
      `kind:\\s*${quoted}`,
    ].join('|'),
  );
}

const FILES = sourceFiles(SRC).map((file) => ({
  relative: path.relative(SRC, file).split(path.sep).join('/'),
  lines: readFileSync(file, 'utf8').split('\n'),
}));

/** Every `src/<file>:<line>` whose code names `kind`. */
function placesNaming(kind: string): string[] {
  const pattern = kindNamePattern(kind);
  return FILES.flatMap(({ relative, lines }) =>
    lines.flatMap((line, index) => {
      return pattern.test(line) ? [`src/${relative}:${index + 1}: ${line.trim()}`] : [];
    }),
  );
}

describe('kind names', () => {
  it('the scan sees kind-shaped uses of protocol names and any literal of the others', () => {
    expect(kindNamePattern('http').test("if (target.kind === 'http') return;")).toBe(true);
    expect(kindNamePattern('websocket').test('  case "websocket":')).toBe(true);
    expect(kindNamePattern('websocket').test("protocol: 'websocket',")).toBe(false);
    expect(kindNamePattern('audiohook').test('const k = "audiohook";')).toBe(true);
    expect(kindNamePattern('audiohook').test("'audiohook-ish'")).toBe(false);
  });

  it.each(KINDS.map((module) => module.kind))('%s is named only in its own folder', (kind) => {
    const places = placesNaming(kind);
    const own = `src/kinds/${kind}/`;
    // Its own module names it (else the scan is looking at nothing).
    expect(places.filter((place) => place.startsWith(own))).not.toEqual([]);
    const offenders = places.filter((place) => !place.startsWith(own));
    expect(offenders, `${kind} is named outside ${own}:\n${offenders.join('\n')}`).toEqual([]);
  });
});

describe('kind registry and kind schemas', () => {
  it('list the same kinds in the schema order', () => {
    expect(KINDS.map((module) => module.kind)).toEqual(TARGET_KINDS);
    expect(KIND_SCHEMAS.map(({ schema }) => schema.shape.kind.value)).toEqual(TARGET_KINDS);
  });

  it('give each kind one traits object', () => {
    KINDS.forEach((module, index) => {
      expect(module.traits).toBe(KIND_SCHEMAS[index]?.traits);
    });
  });

  it.each(KIND_SCHEMAS.map(({ schema, traits }) => [schema.shape.kind.value, schema, traits]))(
    '%s: traits agree with the schema',
    (kind, schema, traits) => {
      expect(traits.interval).toBe('interval' in schema.shape);
      // A bot turn has a budget; only bot kinds have one.
      expect(traits.botTurns).toBe(KINDS_WITH_BUDGET.has(kind));
      if (traits.credentialType !== undefined) expect('credential' in schema.shape).toBe(true);
    },
  );
});
