import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as units from '@grafana/grafana-foundation-sdk/units';
import type { MonitoringConfig } from '../config.ts';
import { num } from '../promql.ts';
import { build, e, newDashboard, quantile, rate, statPanel, t, timeseriesPanel } from './common.ts';

/** Fleet overview: is every target up, and how do round trips, sessions and audio look. */
export function overviewDashboard(config: MonitoringConfig): dashboard.Dashboard {
  const th = config.thresholds;
  // The burn rate of the fastest page: spending the budget at this pace pages.
  const pageFactor = Math.max(...config.slo.windows.map((pair) => pair.factor));
  return build(
    newDashboard(
      config,
      'overview',
      'Overview',
      'Every target cxprobe probes: status, round trips, WebSocket sessions, audio quality, bot turns, tokens and certificates.',
    )
      .withRow(new dashboard.RowBuilder('Fleet status'))
      .withPanel(
        statPanel({
          title: 'Targets failing',
          description:
            'Targets whose last probe failed, or whose live session is unhealthy, right now. The landing page shows why.',
          unit: units.Short,
          // `== bool 0` counts failing targets and still answers 0 when none fails.
          queries: [{ expr: `sum(cxprobe_probe_success${t()} == bool 0)`, legend: 'failing' }],
          steps: [{ value: 1, color: 'red' }],
          span: 4,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Fleet probe success',
          description: 'Share of the selected targets whose last probe succeeded.',
          unit: units.PercentUnit,
          queries: [{ expr: `avg(cxprobe_probe_success${t()})`, legend: 'success' }],
          base: 'red',
          steps: [
            { value: 0.9, color: 'orange' },
            { value: 1, color: 'green' },
          ],
          span: 4,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Target status',
          description: 'UP or DOWN per target, from cxprobe_probe_success.',
          unit: units.NoUnit,
          queries: [
            { expr: `max by (target) (cxprobe_probe_success${t()})`, legend: '{{target}}' },
          ],
          mappings: { '0': { text: 'DOWN', color: 'red' }, '1': { text: 'UP', color: 'green' } },
          showNames: true,
          span: 16,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Probe failures by reason',
          description:
            'Failed probes per second by target and reason code (see the README for the codes).',
          unit: units.Short,
          axisLabel: 'failures / s',
          queries: [
            {
              expr: `sum by (target, result) (${rate('cxprobe_probes_total', t('result!="success"'))})`,
              legend: '{{target}} {{result}}',
            },
          ],
          stack: true,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Error budget burn rate',
          description: `How fast each target spends its ${num(config.slo.objective * 100)}% probe success budget: failed probes over all probes, divided by the ${num(100 - config.slo.objective * 100)}% the objective allows. 1 spends a 30-day budget in exactly 30 days; the dashed line (${num(pageFactor)}) is the burn rate that pages soonest.`,
          unit: units.Short,
          min: 0,
          queries: [
            {
              // Failure series appear with the first failure: until then `or … * 0` draws a
              // zero line for the target instead of leaving it out.
              expr: `(sum by (target) (${rate('cxprobe_probes_total', t('result!="success"'))}) or sum by (target) (${rate('cxprobe_probes_total', t())}) * 0) / sum by (target) (${rate('cxprobe_probes_total', t())}) / (1 - ${num(config.slo.objective)})`,
              legend: '{{target}}',
            },
          ],
          steps: [{ value: pageFactor, color: 'red' }],
        }),
      )
      .withRow(new dashboard.RowBuilder('Round trips'))
      .withPanel(
        timeseriesPanel({
          title: 'p95 REST round trip',
          description:
            'p95 of the whole HTTP request (phase "total") per target: Genesys API, bots and plain HTTP targets.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(
                0.95,
                'cxprobe_http_request_duration_seconds',
                'target',
                t('phase="total"'),
              ),
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'p95 WebSocket ping RTT',
          description:
            'p95 ping to pong round trip per target and layer (control: RFC 6455 frames, application: the protocol ping). The dashed line is the alert threshold.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'cxprobe_ws_ping_rtt_seconds', 'target, layer', t()),
              legend: '{{target}} {{layer}}',
            },
          ],
          steps: [{ value: th.wsPingRttP95Seconds, color: 'red' }],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Bot turn p95 against budget',
          description:
            'p95 bot turn (utterance to complete reply) per target, with its configured budget dashed.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'cxprobe_bot_turn_duration_seconds', 'target', t()),
              legend: '{{target}} p95',
            },
            {
              expr: `max by (target) (cxprobe_bot_turn_budget_seconds${t()})`,
              legend: '{{target}} budget',
            },
          ],
          dashed: '.* budget$',
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Sessions and audio'))
      .withPanel(
        timeseriesPanel({
          title: '1006 drops per hour',
          description:
            'Sessions closed with 1006 (TCP lost without a close frame, or cut after a ping timeout), as an hourly rate per target.',
          unit: units.Short,
          axisLabel: 'drops / h',
          min: 0,
          queries: [
            {
              expr: `sum by (target) (${rate('cxprobe_ws_closes_total', t('code="1006"'))}) * 3600`,
              legend: '{{target}}',
            },
          ],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Reconnects per minute',
          description:
            'Reconnect attempts per minute by target and the cause that made them necessary (completed: an audio session ended as planned).',
          unit: units.Short,
          axisLabel: 'reconnects / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target, reason) (${rate('cxprobe_ws_reconnects_total', t())}) * 60`,
              legend: '{{target}} {{reason}}',
            },
          ],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'p95 audio jitter',
          description:
            'p95 of the per-frame RFC 3550 interarrival deviation |D| per target and direction. The dashed line is the alert threshold.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(
                0.95,
                'cxprobe_audio_interarrival_deviation_seconds',
                'target, direction',
                t(),
              ),
              legend: '{{target}} {{direction}}',
            },
          ],
          steps: [{ value: th.audioJitterP95Seconds, color: 'red' }],
          span: 6,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'MOS',
          description:
            'ITU-T G.107 E-model MOS estimate per audio target (4.4 is the best G.711 gets). Dashed: the warning and critical thresholds.',
          unit: units.NoUnit,
          min: 1,
          max: 4.5,
          queries: [{ expr: `min by (target) (cxprobe_audio_mos${t()})`, legend: '{{target}}' }],
          steps: [
            { value: th.mosCritical, color: 'red' },
            { value: th.mosWarning, color: 'orange' },
          ],
          span: 6,
        }),
      )
      .withRow(new dashboard.RowBuilder('Credentials and certificates'))
      .withPanel(
        statPanel({
          title: 'Token expiry',
          description:
            "Time left on each credential's cached OAuth token. A credential whose last token request failed holds no token and shows no value.",
          unit: units.DurationSeconds,
          queries: [
            {
              expr: `min by (credential) (cxprobe_oauth_token_expiry_timestamp_seconds${e()} > 0) - time()`,
              legend: '{{credential}}',
            },
          ],
          base: 'red',
          steps: [{ value: th.tokenMinRemainingSeconds, color: 'green' }],
          showNames: true,
          span: 6,
          height: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Token requests per minute',
          description: 'OAuth token requests per minute by credential and result.',
          unit: units.Short,
          axisLabel: 'requests / min',
          min: 0,
          queries: [
            {
              expr: `sum by (credential, result) (${rate('cxprobe_oauth_token_requests_total', e())}) * 60`,
              legend: '{{credential}} {{result}}',
            },
          ],
          span: 6,
        }),
      )
      .withPanel(
        statPanel({
          title: 'Certificate expiry',
          description:
            'Time left before the earliest-expiring certificate presented by each https target expires.',
          unit: units.DurationSeconds,
          queries: [
            {
              expr: `min by (target) (cxprobe_tls_cert_expiry_timestamp_seconds${t()}) - time()`,
              legend: '{{target}}',
            },
          ],
          base: 'red',
          steps: [
            { value: th.certCriticalSeconds, color: 'orange' },
            { value: th.certWarningSeconds, color: 'green' },
          ],
          showNames: true,
          span: 6,
          height: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: '429 answers per minute',
          description:
            '429 Too Many Requests answers per minute by target; cxprobe waits for Retry-After before probing again.',
          unit: units.Short,
          axisLabel: '429 / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target) (${rate('cxprobe_rate_limited_total', t())}) * 60`,
              legend: '{{target}}',
            },
          ],
          span: 6,
        }),
      ),
  );
}
