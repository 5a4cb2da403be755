import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { MonitoringConfig } from '../config.ts';
import { formatJson } from '../json.ts';
import { dashboardFileName, type DashboardKey } from '../uids.ts';
import { audioDashboard } from './audio.ts';
import { exporterDashboard } from './exporter.ts';
import { overviewDashboard } from './overview.ts';
import { websocketDashboard } from './websocket.ts';

const BUILDERS: Readonly<Record<DashboardKey, (config: MonitoringConfig) => dashboard.Dashboard>> =
  {
    overview: overviewDashboard,
    websocket: websocketDashboard,
    audio: audioDashboard,
    exporter: exporterDashboard,
  };

/** Every dashboard as the classic JSON model that Grafana's file provisioning reads. */
export function buildDashboards(config: MonitoringConfig): Record<string, dashboard.Dashboard> {
  return Object.fromEntries(
    Object.entries(BUILDERS).map(([key, builder]) => [
      dashboardFileName(key as DashboardKey),
      builder(config),
    ]),
  );
}

/** File name under grafana/dashboards/ → JSON text. */
export function renderDashboards(config: MonitoringConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(buildDashboards(config)).map(([file, built]) => [file, formatJson(built)]),
  );
}
