/**
 * JSON text laid out the way prettier prints it (printWidth 100): objects always one key per
 * line, arrays of scalars on one line when they fit, otherwise one item per line (numbers fill
 * the lines). Generated dashboards then pass `prettier --check` without a formatting step.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PRINT_WIDTH = 100;

export function formatJson(value: unknown): string {
  // Round-trip first: drops undefined members and functions exactly as JSON.stringify does.
  const json = JSON.parse(JSON.stringify(value)) as Json;
  return `${print(json, 0, 0, false)}\n`;
}

function isScalar(value: Json): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/**
 * @param column where the value starts on its line
 * @param comma whether a comma follows the value (it counts toward the line width)
 */
function print(value: Json, indent: number, column: number, comma: boolean): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isScalar)) {
      const items = value.map((item) => print(item, 0, 0, false));
      const flat = `[${items.join(', ')}]`;
      if (column + flat.length + (comma ? 1 : 0) <= PRINT_WIDTH) return flat;
      if (value.every((item) => typeof item === 'number')) return fill(items, indent);
    }
    const body = value.map(
      (item, index) => `${pad}${print(item, indent + 2, pad.length, index < value.length - 1)}`,
    );
    return `[\n${body.join(',\n')}\n${' '.repeat(indent)}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const body = entries.map(([key, item], index) => {
    const prefix = `${pad}${JSON.stringify(key)}: `;
    return `${prefix}${print(item, indent + 2, prefix.length, index < entries.length - 1)}`;
  });
  return `{\n${body.join(',\n')}\n${' '.repeat(indent)}}`;
}

/** Prettier's `fill` for number arrays: as many items on each line as fit. */
function fill(items: string[], indent: number): string {
  const pad = ' '.repeat(indent + 2);
  const rows: string[] = [];
  let row = '';
  for (const [index, item] of items.entries()) {
    const piece = `${item}${index < items.length - 1 ? ',' : ''}`;
    if (row !== '' && pad.length + row.length + 1 + piece.length > PRINT_WIDTH) {
      rows.push(row);
      row = piece;
    } else {
      row = row === '' ? piece : `${row} ${piece}`;
    }
  }
  rows.push(row);
  return `[\n${rows.map((line) => `${pad}${line}`).join('\n')}\n${' '.repeat(indent)}]`;
}
