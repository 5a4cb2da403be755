/**
 * The cxprobe monitoring mixin: one configuration, and generators for the recording rules,
 * the alerts and the Grafana dashboards built from it. `npm run mixin` writes every file of
 * {@link renderAll} into the repository; test/mixin checks they are up to date.
 */
import { renderAlerts } from './alerts.ts';
import { monitoringConfig, type MonitoringConfig } from './config.ts';
import { renderDashboards } from './dashboards/index.ts';
import { renderRules } from './rules.ts';

export {
  ALERT_NAMES,
  EXPORTER_ALERT_NAMES,
  alertRuleGroups,
  renderAlerts,
  runbookUrl,
} from './alerts.ts';
export type { AlertName, AlertRule } from './alerts.ts';
export {
  SEVERITIES,
  monitoringConfig,
  stackTestConfig,
  type AlertForDurations,
  type BurnRateWindow,
  type MonitoringConfig,
  type Severity,
} from './config.ts';
export {
  STACK_TEST_VARIABLES,
  dashboardQueries,
  substituteVariables,
  type DashboardQuery,
  type DashboardVariables,
} from './dashboard-queries.ts';
export { buildDashboards, renderDashboards } from './dashboards/index.ts';
export { recordNames, recordingRuleGroups, renderRules, sloWindows } from './rules.ts';
export type { RecordingRule, RuleGroup } from './rules.ts';
export { DASHBOARD_UIDS, dashboardFileName, type DashboardKey } from './uids.ts';

/** Where the generated files live, relative to the repository root. */
export const GENERATED_PATHS = {
  rules: 'prometheus/rules.yml',
  alerts: 'prometheus/alerts.yml',
  dashboards: 'grafana/dashboards',
} as const;

/** Repository-relative path → content, for every generated file. */
export function renderAll(config: MonitoringConfig = monitoringConfig): Record<string, string> {
  const files: Record<string, string> = {
    [GENERATED_PATHS.rules]: renderRules(config),
    [GENERATED_PATHS.alerts]: renderAlerts(config),
  };
  for (const [file, json] of Object.entries(renderDashboards(config))) {
    files[`${GENERATED_PATHS.dashboards}/${file}`] = json;
  }
  return files;
}
