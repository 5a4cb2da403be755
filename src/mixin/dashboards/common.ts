import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { MonitoringConfig } from '../config.ts';
import { DASHBOARD_UIDS, type DashboardKey } from '../uids.ts';

/**
 * Shared pieces of the dashboards: variables, matchers, query and panel builders. Every
 * query goes through `$datasource`, every rate through `$__rate_interval`, every selector
 * carries the `$job` and `$instance` matchers (and `$target` where the metric has a target).
 */

/** Every panel and query reads from the `datasource` variable. */
export const DATASOURCE: dashboard.DataSourceRef = { type: 'prometheus', uid: '$datasource' };

/** The tag every cxprobe dashboard carries; the dashboards link to each other through it. */
export const TAG = 'cxprobe';

/** The dashboards' schema version, pinned so an SDK upgrade cannot change it unnoticed. */
export const SCHEMA_VERSION = 41;

/** Selector of a per-target series: `{job=~"$job", instance=~"$instance", target=~"$target", …}`. */
export function t(...extra: string[]): string {
  return `{${['job=~"$job"', 'instance=~"$instance"', 'target=~"$target"', ...extra].join(', ')}}`;
}

/** Selector of an exporter-wide series (no target label): `{job=~"$job", instance=~"$instance"}`. */
export function e(...extra: string[]): string {
  return `{${['job=~"$job"', 'instance=~"$instance"', ...extra].join(', ')}}`;
}

/** `rate(metric{…}[$__rate_interval])`. */
export function rate(metric: string, selector: string): string {
  return `rate(${metric}${selector}[$__rate_interval])`;
}

/** Quantile of a classic histogram, `le` kept through the sum. */
export function quantile(q: number, metric: string, by: string, selector: string): string {
  const labels = by === '' ? 'le' : `${by}, le`;
  return `histogram_quantile(${String(q)}, sum by (${labels}) (${rate(`${metric}_bucket`, selector)}))`;
}

export interface QuerySpec {
  expr: string;
  legend: string;
  instant?: boolean;
  format?: prometheus.PromQueryFormat;
}

function queries(specs: readonly QuerySpec[]): prometheus.DataqueryBuilder[] {
  return specs.map((spec, index) => {
    const query = new prometheus.DataqueryBuilder()
      .expr(spec.expr)
      .legendFormat(spec.legend)
      .refId(String.fromCharCode(65 + index))
      .datasource(DATASOURCE);
    // Histogram queries show exemplars: a dot links a slow observation to its trace.
    if (spec.expr.includes('_bucket')) query.exemplar(true);
    if (spec.instant === true) query.instant();
    if (spec.format !== undefined) query.format(spec.format);
    return query;
  });
}

export interface Step {
  value: number;
  color: string;
}

function thresholds(base: string, steps: readonly Step[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: base }, ...steps]);
}

interface PanelCommon {
  title: string;
  description: string;
  unit: string;
  queries: readonly QuerySpec[];
  span?: number;
  height?: number;
}

export interface TimeseriesSpec extends PanelCommon {
  min?: number;
  max?: number;
  /** Drawn as dashed lines: the alert thresholds. */
  steps?: readonly Step[];
  stack?: boolean;
  bars?: boolean;
  stepped?: boolean;
  axisLabel?: string;
  /** Series whose name matches this regex are drawn dashed (budgets, limits). */
  dashed?: string;
}

export function timeseriesPanel(spec: TimeseriesSpec): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.queries))
    .span(spec.span ?? 12)
    .height(spec.height ?? 8)
    .fillOpacity(spec.stack === true ? 60 : 10)
    .lineWidth(1)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.axisLabel !== undefined) panel.axisLabel(spec.axisLabel);
  if (spec.bars === true) panel.drawStyle(common.GraphDrawStyle.Bars);
  if (spec.stepped === true) panel.lineInterpolation(common.LineInterpolation.StepAfter);
  if (spec.stack === true) {
    panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  }
  if (spec.steps !== undefined) {
    panel
      .thresholds(thresholds('green', spec.steps))
      .thresholdsStyle(
        new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
      );
  }
  if (spec.dashed !== undefined) {
    panel.overrideByRegexp(spec.dashed, [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.fillOpacity', value: 0 },
    ]);
  }
  return panel;
}

export interface StatSpec extends PanelCommon {
  /** Colour steps over a base colour (default green). */
  steps?: readonly Step[];
  base?: string;
  mappings?: Record<string, { text: string; color: string }>;
  noValue?: string;
  showNames?: boolean;
}

export function statPanel(spec: StatSpec): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.queries))
    .span(spec.span ?? 6)
    .height(spec.height ?? 4)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .textMode(
      spec.showNames === true ? common.BigValueTextMode.ValueAndName : common.BigValueTextMode.Auto,
    )
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(spec.base ?? 'green', spec.steps ?? []));
  if (spec.noValue !== undefined) panel.noValue(spec.noValue);
  if (spec.mappings !== undefined) {
    const options: Record<string, dashboard.ValueMappingResult> = {};
    for (const [index, [value, result]] of Object.entries(spec.mappings).entries()) {
      options[value] = { ...result, index };
    }
    panel.mappings([{ type: dashboard.MappingType.ValueToText, options }]);
  }
  return panel;
}

export interface HeatmapSpec extends PanelCommon {
  yUnit: string;
}

/** A heatmap of a classic histogram's buckets (`format: heatmap`, no client-side bucketing). */
export function heatmapPanel(spec: HeatmapSpec): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.queries))
    .span(spec.span ?? 12)
    .height(spec.height ?? 8)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.yUnit))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Spectral')
        .fill('dark-orange')
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64),
    )
    .cellGap(1)
    .showLegend()
    .mode(common.TooltipDisplayMode.Single);
}

export function tablePanel(spec: PanelCommon): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(queries(spec.queries))
    .span(spec.span ?? 12)
    .height(spec.height ?? 5);
}

/** The variables of every dashboard, in this order: datasource, job, instance, target. */
function variables(config: MonitoringConfig): dashboard.QueryVariableBuilder[] {
  const query = (name: string, label: string, expr: string) =>
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .query(expr)
      .datasource(DATASOURCE)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc);
  return [
    // One job at a time: `up{job=~".*"}` would mix every scrape job into the exporter panels.
    query('job', 'Job', 'label_values(cxprobe_build_info, job)').current({
      text: config.job,
      value: config.job,
    }),
    query('instance', 'Instance', 'label_values(cxprobe_build_info{job=~"$job"}, instance)')
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: 'All', value: '$__all' }),
    query(
      'target',
      'Target',
      'label_values(cxprobe_probe_success{job=~"$job", instance=~"$instance"}, target)',
    )
      .multi(true)
      .includeAll(true)
      .allValue('.*')
      .current({ text: 'All', value: '$__all' }),
  ];
}

/** A read-only cxprobe dashboard with the standard variables and links to its siblings. */
export function newDashboard(
  config: MonitoringConfig,
  key: DashboardKey,
  title: string,
  description: string,
): dashboard.DashboardBuilder {
  const builder = new dashboard.DashboardBuilder(`cxprobe / ${title}`)
    .uid(DASHBOARD_UIDS[key])
    .description(description)
    .tags([TAG])
    .readonly()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('cxprobe dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .withVariable(
      new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    );
  for (const variable of variables(config)) builder.withVariable(variable);
  return builder;
}

/** Builds the dashboard and numbers its panels (the SDK leaves ids at 0). */
export function build(builder: dashboard.DashboardBuilder): dashboard.Dashboard {
  const built = builder.build();
  built.schemaVersion = SCHEMA_VERSION;
  for (const [index, panel] of (built.panels ?? []).entries()) panel.id = index + 1;
  return built;
}
