import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as units from '@grafana/grafana-foundation-sdk/units';
import type { MonitoringConfig } from '../config.ts';
import { build, e, newDashboard, statPanel, tablePanel, timeseriesPanel } from './common.ts';

/** The exporter's own health: scrapes, event loop, memory, config reloads, targets by kind. */
export function exporterDashboard(config: MonitoringConfig): dashboard.Dashboard {
  return build(
    newDashboard(
      config,
      'exporter',
      'Exporter health',
      "cxprobe's own health: is it scraped, is its event loop starved (which would distort every timing it measures), memory, configuration reloads and what it probes.",
    )
      .withRow(new dashboard.RowBuilder('Scrape'))
      .withPanel(
        statPanel({
          title: 'Up',
          description: 'Whether Prometheus scraped each cxprobe instance at its last attempt.',
          unit: units.NoUnit,
          queries: [{ expr: `up${e()}`, legend: '{{instance}}' }],
          mappings: { '0': { text: 'DOWN', color: 'red' }, '1': { text: 'UP', color: 'green' } },
          showNames: true,
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Scrape duration',
          description: 'How long Prometheus took to scrape /metrics.',
          unit: units.Seconds,
          min: 0,
          queries: [{ expr: `scrape_duration_seconds${e()}`, legend: '{{instance}}' }],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Samples per scrape',
          description:
            'Samples in each scrape: grows with targets, HTTP phase histograms and close codes.',
          unit: units.Short,
          min: 0,
          queries: [{ expr: `scrape_samples_scraped${e()}`, legend: '{{instance}}' }],
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Process'))
      .withPanel(
        timeseriesPanel({
          title: 'Event-loop delay',
          description:
            'Event-loop delay percentiles over a rolling minute (cxprobe_event_loop_delay_seconds). A starved loop delays every measurement; the dashed line is the alert threshold for p99.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: `cxprobe_event_loop_delay_seconds${e()}`,
              legend: '{{instance}} p{{percentile}}',
            },
          ],
          steps: [{ value: config.thresholds.eventLoopP99Seconds, color: 'red' }],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Memory',
          description: 'Resident set size and used V8 heap of the cxprobe process.',
          unit: units.BytesIEC,
          min: 0,
          queries: [
            { expr: `process_resident_memory_bytes${e()}`, legend: '{{instance}} RSS' },
            { expr: `nodejs_heap_size_used_bytes${e()}`, legend: '{{instance}} heap used' },
          ],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'CPU',
          description: 'CPU time used per second (1 = one full core).',
          unit: units.PercentUnit,
          min: 0,
          queries: [
            {
              expr: `rate(process_cpu_seconds_total${e()}[$__rate_interval])`,
              legend: '{{instance}}',
            },
          ],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Open file descriptors',
          description: 'Open file descriptors (sockets included) against the process limit.',
          unit: units.Short,
          min: 0,
          queries: [
            { expr: `process_open_fds${e()}`, legend: '{{instance}} open' },
            { expr: `process_max_fds${e()}`, legend: '{{instance}} limit' },
          ],
          dashed: '.* limit$',
          span: 6,
        }),
      )
      .withRow(new dashboard.RowBuilder('Configuration and targets'))
      .withPanel(
        statPanel({
          title: 'Config reload status',
          description:
            'Whether the last configuration reload worked. After a failed reload cxprobe keeps running the previous configuration.',
          unit: units.NoUnit,
          queries: [
            { expr: `cxprobe_config_last_reload_successful${e()}`, legend: '{{instance}}' },
          ],
          mappings: {
            '0': { text: 'FAILED', color: 'red' },
            '1': { text: 'OK', color: 'green' },
          },
          showNames: true,
          span: 6,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Config age',
          description: 'Time since the configuration was last loaded successfully.',
          unit: units.DurationSeconds,
          queries: [
            {
              expr: `time() - cxprobe_config_last_reload_success_timestamp_seconds${e()}`,
              legend: '{{instance}}',
            },
          ],
          base: 'blue',
          showNames: true,
          span: 6,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Targets by kind',
          description: 'Configured targets by kind.',
          unit: units.Short,
          queries: [{ expr: `sum by (kind) (cxprobe_targets${e()})`, legend: '{{kind}}' }],
          base: 'blue',
          showNames: true,
          span: 12,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Reload attempts',
          description: 'Configuration reload attempts (SIGHUP or POST /-/reload) by result.',
          unit: units.Short,
          min: 0,
          bars: true,
          queries: [
            {
              expr: `sum by (result) (increase(cxprobe_config_reloads_total${e()}[$__rate_interval]))`,
              legend: '{{result}}',
            },
          ],
        }),
      )
      .withPanel(
        tablePanel({
          title: 'Build',
          description: 'Version, revision and Node.js version of each running cxprobe.',
          unit: units.NoUnit,
          queries: [
            {
              expr: `cxprobe_build_info${e()}`,
              legend: '{{instance}}',
              instant: true,
              format: prometheus.PromQueryFormat.Table,
            },
          ],
        }),
      ),
  );
}
