// The slice of RFC 8941 structured fields that HTTP message signatures (RFC 9421) need:
// parsing `Signature-Input` and `Signature`, and serialising `@signature-params` canonically.

/** An RFC 8941 bare item, as far as signatures need. */
type BareItem =
  | { type: 'string'; value: string }
  | { type: 'token'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'decimal'; value: number; raw: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'bytes'; value: string };

type Parameters = [string, BareItem][];

export interface Item {
  kind: 'item';
  item: BareItem;
  params: Parameters;
}

export interface InnerList {
  kind: 'list';
  items: { item: BareItem; params: Parameters }[];
  params: Parameters;
}

/** Thrown by the parser; turned into `bad_signature`. */
class ParseError extends Error {}

/**
 * A minimal RFC 8941 dictionary parser (strings, tokens, numbers, booleans, byte sequences,
 * inner lists, parameters): enough for `Signature-Input` and `Signature`.
 */
export class FieldParser {
  #pos = 0;

  constructor(readonly text: string) {}

  dictionary(): Map<string, Item | InnerList> {
    const members = new Map<string, Item | InnerList>();
    this.#ows();
    while (this.#pos < this.text.length) {
      const key = this.#key();
      let member: Item | InnerList;
      if (this.text[this.#pos] === '=') {
        this.#pos += 1;
        member =
          this.text[this.#pos] === '('
            ? this.#innerList()
            : { kind: 'item', item: this.#bareItem(), params: this.#params() };
      } else {
        member = { kind: 'item', item: { type: 'boolean', value: true }, params: this.#params() };
      }
      members.set(key, member);
      this.#ows();
      if (this.#pos >= this.text.length) break;
      if (this.text[this.#pos] !== ',') throw new ParseError('expected ,');
      this.#pos += 1;
      this.#ows();
      if (this.#pos >= this.text.length) throw new ParseError('trailing comma');
    }
    return members;
  }

  #ows(): void {
    while (this.text[this.#pos] === ' ' || this.text[this.#pos] === '\t') this.#pos += 1;
  }

  #key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(this.text.slice(this.#pos));
    if (match === null) throw new ParseError('expected a key');
    this.#pos += match[0].length;
    return match[0];
  }

  #innerList(): InnerList {
    this.#pos += 1;
    const items: InnerList['items'] = [];
    for (;;) {
      while (this.text[this.#pos] === ' ') this.#pos += 1;
      if (this.text[this.#pos] === ')') {
        this.#pos += 1;
        return { kind: 'list', items, params: this.#params() };
      }
      items.push({ item: this.#bareItem(), params: this.#params() });
      const next = this.text[this.#pos];
      if (next !== ' ' && next !== ')') throw new ParseError('expected space or )');
    }
  }

  #params(): Parameters {
    const params: Parameters = [];
    while (this.text[this.#pos] === ';') {
      this.#pos += 1;
      while (this.text[this.#pos] === ' ') this.#pos += 1;
      const key = this.#key();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.text[this.#pos] === '=') {
        this.#pos += 1;
        value = this.#bareItem();
      }
      params.push([key, value]);
    }
    return params;
  }

  #bareItem(): BareItem {
    const rest = this.text.slice(this.#pos);
    const first = rest[0];
    if (first === '"') return this.#string();
    if (first === ':') {
      const match = /^:([A-Za-z0-9+/=]*):/.exec(rest);
      if (match === null) throw new ParseError('bad byte sequence');
      this.#pos += match[0].length;
      return { type: 'bytes', value: match[1] ?? '' };
    }
    if (first === '?') {
      if (rest[1] !== '0' && rest[1] !== '1') throw new ParseError('bad boolean');
      this.#pos += 2;
      return { type: 'boolean', value: rest[1] === '1' };
    }
    const number = /^-?\d{1,15}(\.\d{1,3})?/.exec(rest);
    if (number !== null) {
      this.#pos += number[0].length;
      return number[1] === undefined
        ? { type: 'integer', value: Number(number[0]) }
        : { type: 'decimal', value: Number(number[0]), raw: number[0] };
    }
    const token = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(rest);
    if (token === null) throw new ParseError('expected an item');
    this.#pos += token[0].length;
    return { type: 'token', value: token[0] };
  }

  #string(): BareItem {
    let value = '';
    for (let i = this.#pos + 1; i < this.text.length; i++) {
      const char = this.text[i] ?? '';
      if (char === '\\') {
        const escaped = this.text[i + 1];
        if (escaped !== '"' && escaped !== '\\') throw new ParseError('bad escape');
        value += escaped;
        i += 1;
      } else if (char === '"') {
        this.#pos = i + 1;
        return { type: 'string', value };
      } else if (char < ' ' || char > '~') {
        throw new ParseError('bad string character');
      } else {
        value += char;
      }
    }
    throw new ParseError('unterminated string');
  }
}

function serialiseItem(item: BareItem): string {
  switch (item.type) {
    case 'string':
      return `"${item.value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
    case 'token':
      return item.value;
    case 'integer':
      return String(item.value);
    case 'decimal':
      return item.raw;
    case 'boolean':
      return item.value ? '?1' : '?0';
    case 'bytes':
      return `:${item.value}:`;
  }
}

function serialiseParams(params: Parameters): string {
  return params
    .map(([key, value]) =>
      value.type === 'boolean' && value.value ? `;${key}` : `;${key}=${serialiseItem(value)}`,
    )
    .join('');
}

/** The `@signature-params` value: the inner list serialised canonically (RFC 9421 §2.3). */
export function serialiseInnerList(list: InnerList): string {
  const items = list.items.map(({ item, params }) => serialiseItem(item) + serialiseParams(params));
  return `(${items.join(' ')})${serialiseParams(list.params)}`;
}
