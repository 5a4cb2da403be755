import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_NAMES, alertRuleGroups, monitoringConfig } from '../../src/mixin/index.ts';
import { ROOT, githubSlug } from '../support/mixin.ts';

describe('docs/runbook.md', async () => {
  const text = await readFile(path.join(ROOT, 'docs/runbook.md'), 'utf8');
  // `## Alert Name: X` sections, each up to the next level-2 heading.
  const sections = new Map<string, string>();
  for (const part of text.split(/^(?=## )/m).slice(1)) {
    const heading = part.split('\n', 1)[0]?.replace(/^## /, '') ?? '';
    sections.set(githubSlug(heading), part);
  }

  it('has one section per alert, anchored #alert-name-<lower-case name>, in the alerts order', () => {
    expect([...sections.keys()]).toEqual(
      ALERT_NAMES.map((name) => `alert-name-${name.toLowerCase()}`),
    );
  });

  it.each(ALERT_NAMES)('%s: meaning, likely causes, what to check and how to silence', (name) => {
    const section = sections.get(`alert-name-${name.toLowerCase()}`) ?? '';
    for (const part of [
      '**Severity:**',
      '**Meaning:**',
      '**Likely causes:**',
      '**What to check:**',
      '**Silence:**',
    ]) {
      expect(section, `${name} lacks ${part}`).toContain(part);
    }
    expect(section, `${name}: the silence should name the alert`).toContain(`alertname=${name}`);
  });

  it('is where every runbook_url points', () => {
    for (const rule of alertRuleGroups(monitoringConfig).flatMap((group) => group.rules)) {
      const [file, anchor] = (rule.annotations.runbook_url ?? '').split('#');
      expect(file).toBe('docs/runbook.md');
      expect(sections.has(anchor ?? ''), rule.alert).toBe(true);
    }
  });

  it('names the severity each alert really has', () => {
    for (const rule of alertRuleGroups(monitoringConfig).flatMap((group) => group.rules)) {
      const section = sections.get(`alert-name-${rule.alert.toLowerCase()}`) ?? '';
      const severity = /\*\*Severity:\*\* ([^\n]*)/.exec(section)?.[1] ?? '';
      expect(severity, rule.alert).toContain(rule.labels.severity);
    }
  });
});
