/** Stable dashboard uids: alert links, provisioning and bookmarks rely on them never changing. */
export const DASHBOARD_UIDS = {
  overview: 'cxprobe-overview',
  websocket: 'cxprobe-websocket',
  audio: 'cxprobe-audio',
  exporter: 'cxprobe-exporter',
} as const;

export type DashboardKey = keyof typeof DASHBOARD_UIDS;

/** File name under grafana/dashboards/ of each dashboard. */
export function dashboardFileName(key: DashboardKey): string {
  return `${DASHBOARD_UIDS[key]}.json`;
}
