import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as units from '@grafana/grafana-foundation-sdk/units';
import type { MonitoringConfig } from '../config.ts';
import { build, heatmapPanel, newDashboard, quantile, rate, t, timeseriesPanel } from './common.ts';

const DEVIATION = 'cxprobe_audio_interarrival_deviation_seconds';

/** Audio drill-down: jitter, loss, gaps, our own send lag, turn latency and MOS / R. */
export function audioDashboard(config: MonitoringConfig): dashboard.Dashboard {
  const th = config.thresholds;
  return build(
    newDashboard(
      config,
      'audio',
      'Audio streams',
      'AudioHook and Voice Gateway listen streams: RFC 3550 jitter, frame loss and playout gaps, our own sender pacing, turn latency and the G.107 E-model MOS and R.',
    )
      .withRow(new dashboard.RowBuilder('Jitter'))
      .withPanel(
        timeseriesPanel({
          title: 'p95 interarrival deviation',
          description:
            "p95 of the per-frame RFC 3550 |D| (how far each frame's spacing strayed from the media clock) per target and direction. Jitter with normal RTT points at queueing (QoS).",
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.95, DEVIATION, 'target, direction', t()),
              legend: '{{target}} {{direction}}',
            },
          ],
          steps: [{ value: th.audioJitterP95Seconds, color: 'red' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'RFC 3550 running jitter',
          description:
            'The RFC 3550 running interarrival jitter estimate (J, smoothed over 16 frames) at the end of each session.',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: `max by (target, direction) (cxprobe_audio_jitter_seconds${t()})`,
              legend: '{{target}} {{direction}}',
            },
          ],
        }),
      )
      .withPanel(
        heatmapPanel({
          title: 'Interarrival deviation distribution',
          description:
            'Per-frame deviations of the selected targets per histogram bucket. Exemplars link a late frame to its session trace.',
          unit: units.Short,
          yUnit: units.Seconds,
          queries: [
            {
              expr: `sum by (le) (${rate(`${DEVIATION}_bucket`, t())})`,
              legend: '{{le}}',
              format: prometheus.PromQueryFormat.Heatmap,
            },
          ],
          span: 24,
        }),
      )
      .withRow(new dashboard.RowBuilder('Loss and gaps'))
      .withPanel(
        timeseriesPanel({
          title: 'Frame loss',
          description:
            'Inbound frames lost (missing: never came; late: after their playout time) as a share of the frames received, per target and cause.',
          unit: units.PercentUnit,
          min: 0,
          queries: [
            {
              expr: `sum by (target, cause) (${rate('cxprobe_audio_frames_lost_total', t())}) / on (target) group_left () sum by (target) (${rate('cxprobe_audio_frames_total', t('direction="inbound"'))})`,
              legend: '{{target}} {{cause}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Playout gaps per minute',
          description: 'Runs of media the fixed playout buffer had nothing for, per minute.',
          unit: units.Short,
          axisLabel: 'gaps / min',
          min: 0,
          queries: [
            {
              expr: `sum by (target) (${rate('cxprobe_audio_gaps_total', t())}) * 60`,
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Time without audio',
          description:
            'Share of wall-clock time the playout buffer ran dry (gap seconds per second): what a caller hears as silence or concealment.',
          unit: units.PercentUnit,
          min: 0,
          queries: [
            {
              expr: `sum by (target) (${rate('cxprobe_audio_gap_seconds_total', t())})`,
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Timing'))
      .withPanel(
        timeseriesPanel({
          title: 'Sender lag p99',
          description:
            "p99 of how late cxprobe's own sender put frames on the wire. Above a few ms the prober is starved, and its jitter figures are not the network's.",
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.99, 'cxprobe_audio_send_lag_seconds', 'target', t()),
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Turn latency p50 / p95',
          description:
            "End of the synthetic caller's utterance to the first non-silent bot audio: the pause a caller hears. Slow turns with fine network figures point at the bot (NLP, TTS).",
          unit: units.Seconds,
          min: 0,
          queries: [0.5, 0.95].map((q) => ({
            expr: quantile(q, 'cxprobe_audio_turn_latency_seconds', 'target', t()),
            legend: `{{target}} p${String(q * 100)}`,
          })),
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Transcript event latency p95',
          description:
            'Audio sent to the transcript event that covers it (AudioHook transcription).',
          unit: units.Seconds,
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'cxprobe_audio_event_latency_seconds', 'target', t()),
              legend: '{{target}}',
            },
          ],
          span: 8,
        }),
      )
      .withRow(new dashboard.RowBuilder('Quality'))
      .withPanel(
        timeseriesPanel({
          title: 'MOS',
          description:
            'ITU-T G.107 E-model MOS estimate (G.711 with packet-loss concealment) from delay, jitter buffer and loss. Dashed: warning and critical thresholds.',
          unit: units.NoUnit,
          min: 1,
          max: 4.5,
          queries: [{ expr: `min by (target) (cxprobe_audio_mos${t()})`, legend: '{{target}}' }],
          steps: [
            { value: th.mosCritical, color: 'red' },
            { value: th.mosWarning, color: 'orange' },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'R factor',
          description:
            'ITU-T G.107 transmission rating R (93.2 with every impairment at its default; below 70 many users are dissatisfied).',
          unit: units.NoUnit,
          min: 0,
          max: 100,
          queries: [
            { expr: `min by (target) (cxprobe_audio_r_factor${t()})`, legend: '{{target}}' },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Frames per second',
          description:
            'Audio frames per second by target and direction (outbound: sent by cxprobe, inbound: received).',
          unit: units.Short,
          axisLabel: 'frames / s',
          min: 0,
          queries: [
            {
              expr: `sum by (target, direction) (${rate('cxprobe_audio_frames_total', t())})`,
              legend: '{{target}} {{direction}}',
            },
          ],
          span: 8,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Protocol violations per hour',
          description:
            'Protocol rules the server broke (sequence numbers, media selection, message size, …) per hour by target and kind.',
          unit: units.Short,
          axisLabel: 'violations / h',
          min: 0,
          queries: [
            {
              // The counter appears with the first violation: until then every audio target
              // shows a zero line rather than "No data".
              expr: `sum by (target, kind) (${rate('cxprobe_audio_protocol_violations_total', t())}) * 3600 or sum by (target) (${rate('cxprobe_audio_frames_total', t('direction="outbound"'))}) * 0`,
              legend: '{{target}} {{kind}}',
            },
          ],
          span: 24,
        }),
      ),
  );
}
