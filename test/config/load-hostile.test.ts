import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';

/** Issue 9, defects 6 and 7: configs that cannot run, or that try to hurt the loader. */
async function problems(text: string, env: Record<string, string> = {}): Promise<string[]> {
  const error = await parseConfig(text, 'hostile.yml', env).catch((caught: unknown) => caught);
  if (!(error instanceof ConfigError)) throw new Error(`loaded: ${String(error)}`);
  return error.message.split('\n');
}

describe('config loader against hostile or broken input', () => {
  it('reports an unset variable and the schema errors after it in one pass', async () => {
    const lines = await problems(
      [
        'targets:',
        '  - name: a',
        '    kind: http',
        '    url: ${CXPROBE_UNSET_FOR_TEST}',
        '    interval: 1200h',
        '  - name: b',
        '    kind: websocket',
        '    url: wss://example.com/',
        '    steps: [{expect: "(unclosed"}]',
      ].join('\n'),
    );
    expect(lines).toEqual([
      'hostile.yml:4:10 targets[0].url: environment variable CXPROBE_UNSET_FOR_TEST is not set',
      'hostile.yml:5:15 targets[0].interval: must be at most 3w3d20h31m23s647ms (the longest timer Node.js can arm)',
      expect.stringMatching(
        /^hostile\.yml:9:\d+ targets\[1\]\.steps\[0\]\.expect: invalid regular expression/,
      ),
    ]);
  });

  it('turns a YAML alias bomb into a located error instead of exhausting the heap', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const lines = await problems(`${levels.join('\n')}\ntargets: []\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hostile\.yml.*cannot expand YAML aliases/);
  });

  it('reports an unresolved alias as a located error, not a stack trace', async () => {
    const lines = await problems('targets: *nowhere\n');
    expect(lines.join('\n')).toMatch(/^hostile\.yml/);
    expect(lines.join('\n')).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('never quotes a secret of the rejected config in its errors', async () => {
    // The regex error quotes the pattern, which carries a secret only this (new) config knows.
    const secret = 'tok(en-"only\\in-the-new-config';
    const lines = await problems(
      [
        'targets:',
        '  - name: a',
        '    kind: websocket',
        '    url: wss://example.com/',
        '    steps: [{expect: "${CXPROBE_TEST_TOKEN}"}]',
        '  - name: b',
        '    kind: http',
        '    url: https://example.com/?access_token=abcdef123456',
        '    expect: {body_regex: "(abcdef123456"}',
      ].join('\n'),
      { CXPROBE_TEST_TOKEN: secret },
    );
    const text = lines.join('\n');
    expect(lines).toHaveLength(2);
    expect(text).toContain('invalid regular expression');
    expect(text).not.toContain('only');
    expect(text).not.toContain('abcdef123456');
  });
});
