import { describe, expect, it } from 'vitest';
import { AUDIO_DEVIATION_BUCKETS, PING_RTT_BUCKETS } from '../../src/metrics/catalogue.ts';
import {
  ALERT_NAMES,
  DASHBOARD_UIDS,
  SEVERITIES,
  alertRuleGroups,
  monitoringConfig,
  recordingRuleGroups,
  stackTestConfig,
  type MonitoringConfig,
} from '../../src/mixin/index.ts';
import { durationSeconds } from '../../src/mixin/promql.ts';
import { catalogueEntry, selectors, stripComments } from '../support/mixin.ts';

/** The pint checks of dashboards-alerts.md §8.4, re-created on the generated rules. */

const CONFIGS: [string, MonitoringConfig][] = [
  ['production', monitoringConfig],
  ['stack test', stackTestConfig],
];

const alerts = (config: MonitoringConfig) =>
  alertRuleGroups(config).flatMap((group) => group.rules);
const records = (config: MonitoringConfig) =>
  recordingRuleGroups(config).flatMap((group) => group.rules);

/** Every range selector's window in an expression. */
const windows = (expr: string) =>
  [...stripComments(expr).matchAll(/\[(\d+[smhdwy])\]/g)].map((match) => match[1] ?? '');

describe.each(CONFIGS)('rules (%s config)', (_name, config) => {
  it('define exactly ALERT_NAMES, UpperCamelCase with the Cxprobe prefix', () => {
    const names = [...new Set(alerts(config).map((rule) => rule.alert))];
    expect(names).toEqual([...ALERT_NAMES]);
    for (const name of names) expect(name).toMatch(/^Cxprobe(?:[A-Z][a-z0-9]*)+$/);
  });

  it('rule/label: every alert has a severity from the fixed set, and nothing else static but the SLO windows', () => {
    for (const rule of alerts(config)) {
      expect(SEVERITIES, rule.alert).toContain(rule.labels.severity);
      const extra = Object.keys(rule.labels).filter((label) => label !== 'severity');
      expect(
        extra.every((label) => label === 'long' || label === 'short'),
        rule.alert,
      ).toBe(true);
    }
  });

  it('alerts/annotation: summary, description, runbook_url (and a known dashboard)', () => {
    for (const rule of alerts(config)) {
      const {
        summary,
        description,
        runbook_url: runbook,
        dashboard_url: dashboard,
      } = rule.annotations;
      expect(summary, rule.alert).toMatch(/^[A-Za-z].*\.$/);
      expect(summary, `${rule.alert}: a short title without templates`).not.toMatch(/\{\{/);
      expect(description?.length ?? 0, rule.alert).toBeGreaterThan(40);
      expect(runbook).toBe(`${config.runbookBase}#alert-name-${rule.alert.toLowerCase()}`);
      if (dashboard !== undefined) {
        const uid = /\/d\/([\w-]+)\?/.exec(dashboard)?.[1];
        expect(Object.values(DASHBOARD_UIDS), rule.alert).toContain(uid);
      }
    }
  });

  it('alerts/comparison: every alert compares (or asks absent()), so it never fires on mere existence', () => {
    for (const rule of alerts(config)) {
      const code = stripComments(rule.expr);
      expect(/(==|!=|>=|<=|>|<)\s*[\d(]|^absent\(/m.test(code), rule.alert).toBe(true);
    }
  });

  it('alerts/template: every $labels.x exists on the series the expression returns', () => {
    for (const rule of alerts(config)) {
      const code = stripComments(rule.expr);
      const available = new Set(['job', 'instance']);
      // The labels kept by the outermost operand: `sum by (…)`, a recorded series' level, or
      // the raw metric's own labels.
      const first = code.trim();
      const by = /^\(?\s*sum by \(([^)]*)\)/.exec(first);
      const recorded = /^([a-z_]+):/.exec(first);
      const raw = /^\(?\s*(?:absent\()?([a-z_]+)\{/.exec(first);
      if (by !== null) for (const label of (by[1] ?? '').split(',')) available.add(label.trim());
      else if (recorded !== null)
        for (const label of (recorded[1] ?? '').split('_')) available.add(label);
      else if (raw !== null)
        for (const label of catalogueEntry(raw[1] ?? '')?.labels ?? []) available.add(label);
      // Equality matchers add their labels (absent() keeps exactly those).
      for (const { matchers } of selectors(first.split('\n')[0] ?? '')) {
        for (const match of matchers.matchAll(/(\w+)="/g)) available.add(match[1] ?? '');
      }
      const text = Object.values(rule.annotations).join(' ');
      for (const match of text.matchAll(/\$labels\.(\w+)/g)) {
        expect(available, `${rule.alert} uses $labels.${match[1] ?? ''}`).toContain(match[1]);
      }
    }
  });

  it('promql/rate: every range is at least twice the scrape interval', () => {
    const minimum = 2 * durationSeconds(config.scrapeInterval);
    for (const rule of [...alerts(config), ...records(config)]) {
      for (const window of windows(rule.expr)) {
        expect(durationSeconds(window), `${window} in ${rule.expr}`).toBeGreaterThanOrEqual(
          minimum,
        );
      }
    }
  });

  it('rule/for: every alert waits between 0s and 3h', () => {
    for (const rule of alerts(config)) {
      const seconds = durationSeconds(rule.for);
      expect(seconds, rule.alert).toBeGreaterThanOrEqual(0);
      expect(seconds, rule.alert).toBeLessThanOrEqual(3 * 3600);
    }
  });

  it('promql/aggregate: recording rules keep job; names are level:metric:operations', () => {
    for (const rule of records(config)) {
      const [level, metric, operations] = rule.record.split(':');
      expect(rule.record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
      // The level names exactly the labels every `sum by` keeps (le aside, for quantiles).
      const code = stripComments(rule.expr);
      for (const match of code.matchAll(/sum by \(([^)]*)\)/g)) {
        const kept = (match[1] ?? '')
          .split(',')
          .map((label) => label.trim())
          .filter((label) => label !== 'le');
        expect(kept.join('_'), rule.record).toBe(level);
        expect(kept, rule.record).toContain('job');
      }
      // The metric keeps its name, `_total` dropped under rate/increase; a ratio names its
      // numerator and denominator with `_per_` and says `ratio`.
      expect(metric?.endsWith('_total'), rule.record).toBe(false);
      if (metric?.includes('_per_') === true) expect(operations).toMatch(/^ratio_/);
      else expect(code, rule.record).toContain(metric ?? '');
      const window = /(\d+[smhd])$/.exec(operations ?? '')?.[1];
      expect(windows(rule.expr), rule.record).toContain(window);
    }
  });

  it('every series the rules read exists in the metric catalogue', () => {
    const recorded = new Set(records(config).map((rule) => rule.record));
    const rules = [
      ...alerts(config).map((rule) => ({ name: rule.alert, expr: rule.expr })),
      ...records(config).map((rule) => ({ name: rule.record, expr: rule.expr })),
    ];
    for (const rule of rules) {
      for (const { metric } of selectors(rule.expr)) {
        if (metric === 'up' || recorded.has(metric)) continue;
        expect(catalogueEntry(metric), `${metric} in ${rule.name}`).toBeDefined();
      }
    }
  });

  it('alert thresholds on histogram quantiles are bucket boundaries below the top finite bucket', () => {
    // histogram_quantile interpolates inside a bucket: only a boundary is an exact threshold.
    const t = config.thresholds;
    for (const [threshold, buckets] of [
      [t.wsPingRttP95Seconds, PING_RTT_BUCKETS],
      [t.audioJitterP95Seconds, AUDIO_DEVIATION_BUCKETS],
    ] as const) {
      expect(buckets).toContain(threshold);
      expect(threshold).toBeLessThan(buckets[buckets.length - 1] ?? 0);
    }
  });

  it('guards every quantile and ratio alert with a minimum count', () => {
    for (const rule of alerts(config)) {
      const code = stripComments(rule.expr);
      if (!/p95_|ratio_/.test(code)) continue;
      expect(code, rule.alert).toMatch(/increase\([^)]*\)\)\s*>=\s*\d/);
    }
  });
});

describe('the stack-test config', () => {
  it('keeps every `for` at 15s or less and every window at 1m or less', () => {
    for (const rule of alerts(stackTestConfig)) {
      expect(durationSeconds(rule.for), rule.alert).toBeLessThanOrEqual(15);
    }
    for (const rule of [...alerts(stackTestConfig), ...records(stackTestConfig)]) {
      for (const window of windows(rule.expr)) {
        if (rule.expr.includes('cxprobe_probes_total')) continue; // SLO windows: up to 10m
        expect(durationSeconds(window), rule.expr).toBeLessThanOrEqual(60);
      }
    }
    expect(stackTestConfig.evaluationInterval).toBe('1s');
  });

  it('keeps the production value thresholds, so the faults it needs are the real ones', () => {
    const p = monitoringConfig.thresholds;
    const s = stackTestConfig.thresholds;
    expect(s.wsPingRttP95Seconds).toBe(p.wsPingRttP95Seconds);
    expect(s.audioJitterP95Seconds).toBe(p.audioJitterP95Seconds);
    expect([s.mosWarning, s.mosCritical]).toEqual([p.mosWarning, p.mosCritical]);
    expect(s.botOverBudgetRatio).toBe(p.botOverBudgetRatio);
    expect(s.wsDropRatio).toBe(p.wsDropRatio);
  });
});
