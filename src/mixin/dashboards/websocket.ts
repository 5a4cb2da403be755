import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as units from '@grafana/grafana-foundation-sdk/units';
import type { MonitoringConfig } from '../config.ts';
import { build, heatmapPanel, newDashboard, quantile, rate, t, timeseriesPanel } from './common.ts';

const RTT = 'cxprobe_ws_ping_rtt_seconds';

/** WebSocket drill-down: round trips, closes, reconnects, session lifetimes and heartbeats. */
export function websocketDashboard(config: MonitoringConfig): dashboard.Dashboard {
  return build(
    newDashboard(
      config,
      'websocket',
      'WebSocket sessions',
      'Persistent sessions (websocket, genesys-notifications, cognigy-socket and the audio streams): ping round trips, every close by code and reason, reconnects, session lifetimes and server heartbeats.',
    )
      .withRow(new dashboard.RowBuilder('Round trips'))
      .withPanel(
        heatmapPanel({
          title: 'Ping RTT distribution',
          description:
            'Ping to pong round trips of the selected targets per histogram bucket, both layers. Exemplars link slow pings to their traces.',
          unit: units.Short,
          yUnit: units.Seconds,
          queries: [
            {
              expr: `sum by (le) (${rate(`${RTT}_bucket`, t())})`,
              legend: '{{le}}',
              format: prometheus.PromQueryFormat.Heatmap,
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Ping RTT p50 / p95 / p99',
          description:
            'Round-trip quantiles per target and layer. High RTT with low jitter points at distance (region); spikes point at the path.',
          unit: units.Seconds,
          min: 0,
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, RTT, 'target, layer', t()),
            legend: `{{target}} {{layer}} p${String(q * 100)}`,
          })),
          steps: [{ value: config.thresholds.wsPingRttP95Seconds, color: 'red' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Pings lost per minute',
          description:
            'Pings that never got their pong (timed out, or skipped by a later pong) per minute: the first sign of a half-open connection.',
          unit: units.Short,
          axisLabel: 'pings / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target, layer) (${rate('cxprobe_ws_pings_lost_total', t())}) * 60`,
              legend: '{{target}} {{layer}}',
            },
          ],
          span: 24,
        }),
      )
      .withRow(new dashboard.RowBuilder('Closes and reconnects'))
      .withPanel(
        timeseriesPanel({
          title: 'Closes by code',
          description:
            'Session closes per hour by close code, stacked: 1000/1005 normal, 1001 going away (maintenance), 1006 TCP lost without a close frame, 1011 server error.',
          unit: units.Short,
          axisLabel: 'closes / h',
          queries: [
            {
              expr: `sum by (code) (${rate('cxprobe_ws_closes_total', t())}) * 3600`,
              legend: '{{code}}',
            },
          ],
          stack: true,
          bars: true,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Abnormal closes by reason',
          description:
            'Abnormal closes per hour by target and classification: abnormal_closure (1006), ping_timeout (half-open, cut by cxprobe), heartbeat_missed, server_close, protocol_error, message_too_big, channel_gone.',
          unit: units.Short,
          axisLabel: 'closes / h',
          queries: [
            {
              expr: `sum by (target, reason) (${rate('cxprobe_ws_closes_total', t('abnormal="true"'))}) * 3600`,
              legend: '{{target}} {{reason}}',
            },
          ],
          stack: true,
          bars: true,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Reconnects by cause',
          description: 'Reconnect attempts per minute by target and the cause of the reconnect.',
          unit: units.Short,
          axisLabel: 'reconnects / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target, reason) (${rate('cxprobe_ws_reconnects_total', t())}) * 60`,
              legend: '{{target}} {{reason}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Connected',
          description: '1 while the session of the target is up, 0 while it reconnects.',
          unit: units.NoUnit,
          min: 0,
          max: 1,
          stepped: true,
          queries: [{ expr: `max by (target) (cxprobe_ws_connected${t()})`, legend: '{{target}}' }],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Reconnect back-off',
          description:
            'The back-off before the reconnect in progress (capped exponential with full jitter); 0 while connected.',
          unit: units.Seconds,
          min: 0,
          stepped: true,
          queries: [
            {
              expr: `max by (target) (cxprobe_ws_reconnect_backoff_seconds${t()})`,
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Sessions'))
      .withPanel(
        timeseriesPanel({
          title: 'Session duration p50 / p95',
          description:
            'How long sessions lived before they closed. Sessions dying at a fixed age point at an idle timeout in a firewall or load balancer.',
          unit: units.Seconds,
          min: 0,
          queries: [0.5, 0.95].map((q) => ({
            expr: quantile(q, 'cxprobe_ws_session_duration_seconds', 'target', t()),
            legend: `{{target}} p${String(q * 100)}`,
          })),
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Connect time p95 by phase',
          description:
            'p95 of each connect phase over the selected targets: dns, tcp, tls, upgrade (HTTP 101) and protocol_open (the protocol handshake).',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'cxprobe_ws_connect_duration_seconds', 'phase', t()),
              legend: '{{phase}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Connect failures per minute',
          description:
            'Failed connects per minute by target, reason and the HTTP status of a refused upgrade ("none" when not refused).',
          unit: units.Short,
          axisLabel: 'failures / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target, reason, status) (${rate('cxprobe_ws_connect_failures_total', t())}) * 60`,
              legend: '{{target}} {{reason}} {{status}}',
            },
          ],
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Heartbeats'))
      .withPanel(
        timeseriesPanel({
          title: 'Heartbeat gap p50 / p95',
          description:
            'Time between consecutive server heartbeats (Genesys Notifications: about 30 s). Gaps well above the period mean messages are held up.',
          unit: units.Seconds,
          min: 0,
          queries: [0.5, 0.95].map((q) => ({
            expr: quantile(q, 'cxprobe_ws_heartbeat_gap_seconds', 'target', t()),
            legend: `{{target}} p${String(q * 100)}`,
          })),
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Missed heartbeats per hour',
          description: 'Expected server heartbeats that did not arrive, per hour and target.',
          unit: units.Short,
          axisLabel: 'missed / h',
          min: 0,
          queries: [
            {
              expr: `sum by (target) (${rate('cxprobe_ws_heartbeats_missed_total', t())}) * 3600`,
              legend: '{{target}}',
            },
          ],
        }),
      ),
  );
}
