import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  DASHBOARD_UIDS,
  STACK_TEST_VARIABLES,
  dashboardQueries,
  monitoringConfig,
  renderDashboards,
  stackTestConfig,
  substituteVariables,
} from '../../src/mixin/index.ts';
import { bareMetrics, catalogueEntry, run, selectors } from '../support/mixin.ts';
import { itWithTools } from '../support/external-tools.ts';

/** The dashboard-linter rules of dashboards-alerts.md §8.3, re-created on the generated JSON. */

interface Target {
  expr?: string;
  refId?: string;
  exemplar?: boolean;
  format?: string;
  datasource?: { type?: string; uid?: string };
}

interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos?: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  options?: { yAxis?: { unit?: string } };
}

interface Variable {
  type: string;
  name: string;
  query?: string;
  refresh?: number;
  datasource?: { uid?: string };
  allValue?: string;
}

interface Dashboard {
  uid: string;
  title: string;
  editable: boolean;
  schemaVersion: number;
  tags: string[];
  templating: { list: Variable[] };
  panels: Panel[];
}

/** dashboard-linter's panel-units-rule list, narrowed to the units these dashboards may use. */
const UNITS = new Set([
  'none',
  'short',
  'percent',
  'percentunit',
  's',
  'ms',
  'dtdurations',
  'bytes',
  'ops',
  'reqps',
]);

/** Metrics without a target label: exporter-wide or from Prometheus itself. */
const NO_TARGET =
  /^(up|scrape_\w+|process_\w+|nodejs_\w+|cxprobe_(config_\w+|targets|build_info|event_loop_delay_seconds|oauth_token_\w+))$/;

const rendered = renderDashboards(monitoringConfig);
const dashboards: [string, Dashboard][] = Object.entries(rendered).map(([file, json]) => [
  file,
  JSON.parse(json) as Dashboard,
]);
const panelsOf = (dashboard: Dashboard) => dashboard.panels.filter((panel) => panel.type !== 'row');

describe('dashboards', () => {
  it('are the four expected ones with stable, unique uids (the file name is the uid)', () => {
    expect(dashboards.map(([file, dashboard]) => [file, dashboard.uid])).toEqual([
      ['cxprobe-overview.json', 'cxprobe-overview'],
      ['cxprobe-websocket.json', 'cxprobe-websocket'],
      ['cxprobe-audio.json', 'cxprobe-audio'],
      ['cxprobe-exporter.json', 'cxprobe-exporter'],
    ]);
    expect(new Set(Object.values(DASHBOARD_UIDS)).size).toBe(4);
  });

  it('do not depend on the config variant beyond thresholds (the stack test renders them)', () => {
    const stack = renderDashboards(stackTestConfig);
    expect(Object.keys(stack)).toEqual(Object.keys(rendered));
    for (const [file, json] of Object.entries(stack)) {
      expect(dashboardQueries(json), file).toEqual(dashboardQueries(rendered[file] ?? ''));
    }
  });
});

describe.each(dashboards)('%s', (_file, dashboard) => {
  const panels = panelsOf(dashboard);
  const targets = panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title ?? '', target })),
  );

  it('uneditable-dashboard: is read-only, tagged, titled and on the pinned schema version', () => {
    expect(dashboard.editable).toBe(false);
    expect(dashboard.tags).toContain('cxprobe');
    expect(dashboard.title).toMatch(/^cxprobe \/ /);
    // Pinned: an SDK upgrade must not change the schema unnoticed (Grafana 11.6 in compose).
    expect(dashboard.schemaVersion).toBe(41);
  });

  it('template-*-rules: variables datasource, job, instance, target, in that order', () => {
    const variables = dashboard.templating.list;
    expect(variables.map((variable) => [variable.type, variable.name])).toEqual([
      ['datasource', 'datasource'],
      ['query', 'job'],
      ['query', 'instance'],
      ['query', 'target'],
    ]);
    expect(variables[0]?.query).toBe('prometheus');
    for (const variable of variables.slice(1)) {
      // template-on-time-change-reload-rule
      expect(variable.refresh, variable.name).toBe(2);
      expect(variable.datasource?.uid, variable.name).toBe('$datasource');
      expect(variable.query, variable.name).toMatch(/^label_values\([a-z_]+(\{[^}]*\})?, \w+\)$/);
    }
    expect(variables[1]?.query).toBe('label_values(cxprobe_build_info, job)');
    expect(variables[2]?.allValue).toBe('.*');
    expect(variables[3]?.allValue).toBe('.*');
  });

  it('panel-title-description-rule and panel-units-rule: every panel has a title, a description and a unit', () => {
    expect(panels.length).toBeGreaterThan(5);
    for (const panel of panels) {
      expect(panel.title, JSON.stringify(panel.gridPos)).toMatch(/\S/);
      expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(20);
      expect(
        UNITS,
        `${panel.title ?? ''}: unit ${String(panel.fieldConfig?.defaults?.unit)}`,
      ).toContain(panel.fieldConfig?.defaults?.unit);
      if (panel.type === 'heatmap') expect(UNITS).toContain(panel.options?.yAxis?.unit);
    }
  });

  it('panel-datasource-rule and panel-no-targets-rule: every panel queries $datasource', () => {
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '$datasource' });
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe('$datasource');
      }
    }
  });

  it('has unique panel ids and a layout inside the 24-column grid', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      const grid = panel.gridPos;
      expect(grid, panel.title).toBeDefined();
      expect((grid?.x ?? 0) + (grid?.w ?? 0), panel.title).toBeLessThanOrEqual(24);
    }
  });

  it('target-rate-interval-rule: rate, irate and increase use [$__rate_interval]', () => {
    for (const { panel, target } of targets) {
      const expr = target.expr ?? '';
      for (const call of expr.matchAll(/\b(rate|irate|increase)\(([^()]|\([^()]*\))*\)/g)) {
        expect(call[0], panel).toMatch(/\[\$__rate_interval\]\)$/);
      }
      expect(expr, panel).not.toMatch(/\[\d+[smhd]\]/);
    }
  });

  it('target-job-rule and target-instance-rule: every selector has the $job and $instance matchers (and $target where the metric has one)', () => {
    for (const { panel, target } of targets) {
      const expr = target.expr ?? '';
      expect(bareMetrics(expr), `${panel}: ${expr}`).toEqual([]);
      for (const { metric, matchers } of selectors(expr)) {
        expect(matchers, `${panel}: ${metric}`).toContain('job=~"$job"');
        expect(matchers, `${panel}: ${metric}`).toContain('instance=~"$instance"');
        if (!NO_TARGET.test(metric)) {
          expect(matchers, `${panel}: ${metric}`).toContain('target=~"$target"');
        }
      }
    }
  });

  it('target-counter-agg-rule: counters (_total) only inside rate, irate or increase', () => {
    for (const { panel, target } of targets) {
      const expr = target.expr ?? '';
      for (const match of expr.matchAll(/(\w*)\(\s*([a-z_:]+_total)\{/g)) {
        expect(['rate', 'irate', 'increase'], `${panel}: ${match[2] ?? ''}`).toContain(match[1]);
      }
      const counters = [...expr.matchAll(/([a-z_:]+_total)\{/g)].length;
      const wrapped = [...expr.matchAll(/\b(rate|irate|increase)\(\s*[a-z_:]+_total\{/g)].length;
      expect(wrapped, `${panel}: ${expr}`).toBe(counters);
    }
  });

  it('shows exemplars on every histogram query, and heatmaps use the heatmap format', () => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if ((target.expr ?? '').includes('_bucket{')) {
          expect(target.exemplar, panel.title).toBe(true);
        }
        if (panel.type === 'heatmap') expect(target.format, panel.title).toBe('heatmap');
      }
    }
  });

  it('reads only metrics of the catalogue (or Prometheus and process metrics)', () => {
    for (const { panel, target } of targets) {
      for (const { metric } of selectors(target.expr ?? '')) {
        if (/^(up|scrape_\w+)$/.test(metric)) continue;
        expect(catalogueEntry(metric), `${panel}: ${metric}`).toBeDefined();
      }
    }
  });
});

describe('dashboardQueries', () => {
  it('lists every panel query with its panel title, variables in place', () => {
    const json = rendered['cxprobe-overview.json'] ?? '';
    const queries = dashboardQueries(json);
    expect(queries.length).toBe(
      panelsOf(JSON.parse(json) as Dashboard).flatMap((panel) => panel.targets ?? []).length,
    );
    expect(queries.find((query) => query.panel === 'p95 WebSocket ping RTT')?.expr).toBe(
      'histogram_quantile(0.95, sum by (target, layer, le) (rate(cxprobe_ws_ping_rtt_seconds_bucket{job=~"$job", instance=~"$instance", target=~"$target"}[$__rate_interval])))',
    );
    expect(dashboardQueries(JSON.parse(json) as object)).toEqual(queries);
  });

  it('substitutes the variables for a live Prometheus', () => {
    expect(
      substituteVariables(
        'sum(rate(x_total{job=~"$job", instance=~"${instance}", target=~"$target"}[$__rate_interval]))',
      ),
    ).toBe('sum(rate(x_total{job=~"cxprobe", instance=~".*", target=~".*"}[1m]))');
    expect(() => substituteVariables('x{a=~"$unknown"}')).toThrow(/\$unknown/);
    const substituted = dashboardQueries(
      rendered['cxprobe-audio.json'] ?? '',
      STACK_TEST_VARIABLES,
    );
    expect(substituted.every((query) => !query.expr.includes('$'))).toBe(true);
  });

  itWithTools(['promtool'])(
    'gives valid PromQL for every query and variable once substituted (checked by promtool)',
    async () => {
      const exprs: { name: string; expr: string }[] = [];
      for (const [file, dashboard] of dashboards) {
        for (const { panel, expr } of dashboardQueries(dashboard, STACK_TEST_VARIABLES)) {
          exprs.push({ name: `${file} / ${panel}`, expr });
        }
        for (const variable of dashboard.templating.list.slice(1)) {
          const selector = /^label_values\((.*), \w+\)$/.exec(variable.query ?? '')?.[1] ?? '';
          exprs.push({ name: `${file} $${variable.name}`, expr: substituteVariables(selector) });
        }
      }
      // promtool parses every recording rule's expression: a cheap offline PromQL parser.
      const rules = {
        groups: [
          {
            name: 'dashboard-queries',
            rules: exprs.map((query, index) => ({
              record: `dashboard:query_${String(index)}:check`,
              expr: query.expr,
            })),
          },
        ],
      };
      const dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-dash-'));
      try {
        await writeFile(path.join(dir, 'queries.yml'), stringify(rules));
        const result = await run('promtool', ['check', 'rules', path.join(dir, 'queries.yml')]);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toContain(`SUCCESS: ${String(exprs.length)} rules found`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
