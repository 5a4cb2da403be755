import type { MonitoringConfig } from './config.ts';
import { durationSeconds, lines, sel } from './promql.ts';
import { renderYaml } from './yaml.ts';

/**
 * Recording rules, named `level:metric:operations` (prometheus.io/docs/practices/rules):
 * the level lists the labels kept (`job_instance_target_layer` keeps job, instance, target and
 * layer: each cxprobe instance is a vantage point of its own, so instance is never summed away),
 * the metric keeps its name (`_total` dropped under rate/increase), operations newest first.
 */

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleGroup<Rule> {
  name: string;
  interval?: string;
  rules: Rule[];
}

/** Names of the recorded series for a config (the window is part of the name). */
export function recordNames(config: MonitoringConfig) {
  const { latency, events, drops } = config.windows;
  return {
    wsPingRttP95: `job_instance_target_layer:cxprobe_ws_ping_rtt_seconds:p95_rate${latency}`,
    audioDeviationP95: `job_instance_target_direction:cxprobe_audio_interarrival_deviation_seconds:p95_rate${latency}`,
    httpDurationP95: `job_instance_target_phase:cxprobe_http_request_duration_seconds:p95_rate${latency}`,
    botTurnP95: `job_instance_target:cxprobe_bot_turn_duration_seconds:p95_rate${latency}`,
    botOverBudgetRatio: `job_instance_target:cxprobe_bot_turns_over_budget_per_turns:ratio_rate${events}`,
    wsClosesIncrease: `job_instance_target_code:cxprobe_ws_closes:increase${drops}`,
    probeFailureRatio: (window: string) =>
      `job_instance_target:cxprobe_probe_failures_per_attempts:ratio_rate${window}`,
  };
}

/** Every window the SLO rules record a failure ratio for, shortest first. */
export function sloWindows(config: MonitoringConfig): string[] {
  const windows = new Set(config.slo.windows.flatMap((pair) => [pair.short, pair.long]));
  return [...windows].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

/** The p95 of a classic histogram per `by` labels; `le` must survive the inner sum. */
function p95(metric: string, by: string, window: string, config: MonitoringConfig): string {
  return `histogram_quantile(0.95, sum by (${by}, le) (rate(${metric}_bucket${sel(config)}[${window}])))`;
}

/** The recording rule groups of prometheus/rules.yml. */
export function recordingRuleGroups(config: MonitoringConfig): RuleGroup<RecordingRule>[] {
  const names = recordNames(config);
  const { latency, events, drops } = config.windows;
  const interval =
    config.evaluationInterval === undefined ? {} : { interval: config.evaluationInterval };
  return [
    {
      name: 'cxprobe-latency.rules',
      ...interval,
      rules: [
        {
          record: names.wsPingRttP95,
          expr: p95('cxprobe_ws_ping_rtt_seconds', 'job, instance, target, layer', latency, config),
        },
        {
          record: names.audioDeviationP95,
          expr: p95(
            'cxprobe_audio_interarrival_deviation_seconds',
            'job, instance, target, direction',
            latency,
            config,
          ),
        },
        {
          record: names.httpDurationP95,
          expr: p95(
            'cxprobe_http_request_duration_seconds',
            'job, instance, target, phase',
            latency,
            config,
          ),
        },
        {
          record: names.botTurnP95,
          expr: p95('cxprobe_bot_turn_duration_seconds', 'job, instance, target', latency, config),
        },
      ],
    },
    {
      name: 'cxprobe-sessions.rules',
      ...interval,
      rules: [
        {
          record: names.botOverBudgetRatio,
          expr: lines(
            // Sum numerator and denominator separately, then divide: never average a ratio.
            `sum by (job, instance, target) (rate(cxprobe_bot_turns_over_budget_total${sel(config)}[${events}]))`,
            '/',
            `sum by (job, instance, target) (rate(cxprobe_bot_turn_duration_seconds_count${sel(config)}[${events}]))`,
          ),
        },
        {
          record: names.wsClosesIncrease,
          expr: `sum by (job, instance, target, code) (increase(cxprobe_ws_closes_total${sel(config)}[${drops}]))`,
        },
      ],
    },
    {
      name: 'cxprobe-slo.rules',
      ...interval,
      rules: sloWindows(config).map((window) => ({
        record: names.probeFailureRatio(window),
        expr: lines(
          `sum by (job, instance, target) (rate(cxprobe_probes_total${sel(config, 'result!="success"')}[${window}]))`,
          '/',
          `sum by (job, instance, target) (rate(cxprobe_probes_total${sel(config)}[${window}]))`,
        ),
      })),
    },
  ];
}

/** prometheus/rules.yml: the recording rules. */
export function renderRules(config: MonitoringConfig): string {
  return renderYaml({ groups: recordingRuleGroups(config) });
}
