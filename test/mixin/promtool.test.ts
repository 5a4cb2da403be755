import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERT_NAMES,
  EXPORTER_ALERT_NAMES,
  renderAlerts,
  renderRules,
  stackTestConfig,
} from '../../src/mixin/index.ts';
import { describeWithTools, itWithTools } from '../support/external-tools.ts';
import { ROOT, run } from '../support/mixin.ts';

/**
 * The real promtool (2.42) and amtool (0.25) on the committed files: no mocks. Both come with
 * the Debian packages `prometheus` and `prometheus-alertmanager` (.ci/run installs them).
 */

const TESTS_DIR = 'prometheus/tests';
const withPromtool = itWithTools(['promtool']);
const withAmtool = itWithTools(['amtool']);

interface AlertTest {
  alertname: string;
  exp_alerts?: unknown[] | null;
}

interface TestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertTest[] }[];
}

async function testFiles(): Promise<string[]> {
  return (await readdir(path.join(ROOT, TESTS_DIR)))
    .filter((file) => file.endsWith('.yml'))
    .sort()
    .map((file) => `${TESTS_DIR}/${file}`);
}

describe('promtool', () => {
  withPromtool(
    'check rules: the recording rules and alerts are valid, without lint findings',
    async () => {
      const result = await run('promtool', [
        'check',
        'rules',
        '--lint=all',
        '--lint-fatal',
        'prometheus/rules.yml',
        'prometheus/alerts.yml',
      ]);
      expect(result.output).toMatch(/SUCCESS: 13 rules found/);
      expect(result.code, result.output).toBe(0);
    },
  );

  withPromtool('test rules: every case in prometheus/tests passes', async () => {
    const files = await testFiles();
    expect(files.length).toBeGreaterThan(0);
    const result = await run('promtool', ['test', 'rules', ...files]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/FAILED/);
  });

  it('test rules: every alert has a case where it fires and one where it stays silent', async () => {
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const file of await testFiles()) {
      const parsed = parse(await readFile(path.join(ROOT, file), 'utf8')) as TestFile;
      expect(parsed.rule_files).toEqual(['../rules.yml', '../alerts.yml']);
      for (const group of parsed.tests) {
        for (const test of group.alert_rule_test ?? []) {
          if ((test.exp_alerts ?? []).length > 0) fires.add(test.alertname);
          else silent.add(test.alertname);
        }
      }
    }
    expect(
      [...ALERT_NAMES].filter((name) => !fires.has(name)),
      'alerts never firing',
    ).toEqual([]);
    expect(
      [...ALERT_NAMES].filter((name) => !silent.has(name)),
      'alerts never silent',
    ).toEqual([]);
    const known = new Set<string>(ALERT_NAMES);
    expect([...fires, ...silent].filter((name) => !known.has(name))).toEqual([]);
  });

  withPromtool('check config: prometheus/prometheus.yml and the rule files it loads', async () => {
    const result = await run('promtool', ['check', 'config', 'prometheus/prometheus.yml']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/2 rule files found/);
  });

  describeWithTools(['promtool'])('the stack-test variant', () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-mixin-'));
      await writeFile(path.join(dir, 'rules.yml'), renderRules(stackTestConfig));
      await writeFile(path.join(dir, 'alerts.yml'), renderAlerts(stackTestConfig));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('passes promtool check rules too', async () => {
      const result = await run('promtool', [
        'check',
        'rules',
        '--lint=all',
        '--lint-fatal',
        path.join(dir, 'rules.yml'),
        path.join(dir, 'alerts.yml'),
      ]);
      expect(result.code, result.output).toBe(0);
    });
  });
});

describe('amtool', () => {
  withAmtool('check-config: prometheus/alertmanager.yml is valid', async () => {
    const result = await run('amtool', ['check-config', 'prometheus/alertmanager.yml']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/3 inhibit rules/);
  });

  withAmtool(
    'check-config: the commented PagerDuty and Slack examples are valid once uncommented',
    async () => {
      const text = await readFile(path.join(ROOT, 'prometheus/alertmanager.yml'), 'utf8');
      const uncommented = text
        .split('\n')
        .map((line) =>
          /^ {4}# (pagerduty|slack)_configs:/.test(line) || /^ {4}# {2}/.test(line)
            ? line.replace(/^( {4})# /, '$1')
            : line,
        )
        .join('\n');
      expect(uncommented).toMatch(/^ {4}pagerduty_configs:/m);
      expect(uncommented).toMatch(/^ {4}slack_configs:/m);
      const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-am-'));
      try {
        await writeFile(path.join(dir, 'alertmanager.yml'), uncommented);
        const result = await run('amtool', ['check-config', path.join(dir, 'alertmanager.yml')]);
        expect(result.code, result.output).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  withAmtool.each([
    [['severity=critical', 'alertname=CxprobeProbeFailing', 'target=genesys-api'], 'page'],
    [['severity=warning', 'alertname=CxprobeWebSocketDropRateHigh'], 'ticket'],
    [['severity=info', 'alertname=CxprobeSomethingElse'], 'default'],
  ])('routes %j to %s', async (labels, receiver) => {
    const result = await run('amtool', [
      'config',
      'routes',
      'test',
      '--config.file=prometheus/alertmanager.yml',
      ...labels,
    ]);
    expect(result.code, result.output).toBe(0);
    expect(result.output.split('\n')[0]?.trim()).toBe(receiver);
  });

  it('sends every receiver to the webhook the stack test rewrites', async () => {
    const config = parse(
      await readFile(path.join(ROOT, 'prometheus/alertmanager.yml'), 'utf8'),
    ) as {
      route: { group_by: string[] };
      receivers: { name: string; webhook_configs?: { url: string }[] }[];
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    expect(config.route.group_by).toEqual(['alertname', 'target']);
    for (const receiver of config.receivers) {
      expect(
        receiver.webhook_configs?.map((hook) => hook.url),
        receiver.name,
      ).toEqual(['http://webhook:9095/alerts']);
    }
    // Symptom alerts are inhibited while the exporter is down or absent.
    const sources = config.inhibit_rules.flatMap((rule) => rule.source_matchers);
    for (const name of EXPORTER_ALERT_NAMES) expect(sources).toContain(`alertname="${name}"`);
  });
});
