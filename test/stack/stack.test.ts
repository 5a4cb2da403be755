import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  STACK_TEST_VARIABLES,
  dashboardQueries,
  monitoringConfig,
  renderAlerts,
  renderDashboards,
  renderRules,
  stackTestConfig,
} from '../../src/mixin/index.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { describeWithTools } from '../support/external-tools.ts';
import {
  exporterConfig,
  sacrificialExporterConfig,
  startCertServer,
  startSimulators,
  HEALTHY_CERT_DAYS,
  type CertServer,
  type SimulatorName,
} from '../support/stack-fixture.ts';
import {
  SCRAPE_JOB,
  requireStackBinaries,
  STACK_BINARIES,
  rewriteAlertmanagerConfig,
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  webhookReceivers,
  type ReceivedAlert,
  type RunningAlertmanager,
  type RunningPrometheus,
  type WebhookReceiver,
} from '../support/monitoring-stack.ts';
import { eventually, sleep } from '../support/wait.ts';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.ts';

/**
 * The monitoring stack end to end: cxprobe (a child process) probes simulators, a real
 * Prometheus scrapes it every second and evaluates the mixin's rules and alerts (the stack-test
 * variant: short windows and `for`), a real Alertmanager routes with the committed
 * prometheus/alertmanager.yml, and a loopback webhook stands in for the pager. Each scenario
 * breaks one thing through the simulator and waits for its alert at the webhook.
 */

const ROOT = path.join(import.meta.dirname, '../..');

/** Label sets an alert must match (every given label equal). */
type Labels = Record<string, string>;

interface Scenario {
  name: string;
  inject(): Promise<void> | void;
  undo(): Promise<void> | void;
  /** Alerts that must arrive at the webhook, firing, with these labels (and maybe others). */
  expect: Labels[];
  /**
   * Alerts that must fire in Prometheus while an `expect`ed one is firing, but which
   * Alertmanager inhibits (the warning twin of a critical alert).
   */
  inhibited?: Labels[];
  /** Other alerts the fault may cause as well (a reconnect storm also fails probes, ...). */
  allow: Labels[];
  /** PromQL printed when the expected alert does not arrive. */
  diagnose: string[];
  timeoutMs: number;
}

const matches = (labels: Labels, wanted: Labels) =>
  Object.entries(wanted).every(([key, value]) => labels[key] === value);

const describeLabels = (labels: Labels) =>
  `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ')}}`;

describeWithTools(STACK_BINARIES)('stack: cxprobe → Prometheus → Alertmanager → webhook', () => {
  let dir: string | undefined;
  let sims: Record<SimulatorName, RunningSimulator> | undefined;
  let certServer: CertServer | undefined;
  let exporter: ExporterProcess | undefined;
  let doomed: ExporterProcess | undefined;
  let doomedConfigFile: string;
  let webhook: WebhookReceiver | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let prometheus: RunningPrometheus | undefined;
  let receivers: string[] = [];
  /** Scenarios run so far, with when each injected its fault. */
  const scenariosRun: { scenario: Scenario; injectedAt: number }[] = [];
  let targetCount = 0;
  /** Targets that stream audio back to us, so have a MOS. */
  let mosTargets = 0;

  const prom = () => {
    if (prometheus === undefined) throw new Error('Prometheus did not start');
    return prometheus;
  };
  const hook = () => {
    if (webhook === undefined) throw new Error('the webhook receiver did not start');
    return webhook;
  };
  const sim = (name: SimulatorName) => {
    if (sims === undefined) throw new Error('the simulators did not start');
    return sims[name];
  };
  const inDir = (name: string) => {
    if (dir === undefined) throw new Error('the stack did not start');
    return path.join(dir, name);
  };
  const firing = () => hook().alerts.filter((alert) => alert.status === 'firing');

  beforeAll(async () => {
    requireStackBinaries();
    dir = await mkdtemp(path.join(tmpdir(), 'cxprobe-stack-'));

    const rulesFile = path.join(dir, 'rules.yml');
    const alertsFile = path.join(dir, 'alerts.yml');
    await writeFile(rulesFile, renderRules(stackTestConfig));
    await writeFile(alertsFile, renderAlerts(stackTestConfig));

    sims = await startSimulators();
    certServer = await startCertServer([3, 1]);
    const configFile = path.join(dir, 'cxprobe.yml');
    const configYaml = exporterConfig(sims, certServer);
    const { targets } = parse(configYaml) as { targets: { kind: string; echo?: boolean }[] };
    targetCount = targets.length;
    mosTargets = targets.filter(
      (target) =>
        target.kind === 'voicegateway-listen' ||
        (target.kind === 'audiohook' && target.echo === true),
    ).length;
    await writeFile(configFile, configYaml);
    doomedConfigFile = path.join(dir, 'doomed.yml');
    await writeFile(doomedConfigFile, sacrificialExporterConfig(sims.steady));
    // The second exporter starts now, not in its scenario: starting cxprobe compiles its
    // TypeScript, a burst of CPU that would otherwise land in the middle of the scenarios.
    const [main, second] = await Promise.allSettled([
      startExporterProcess({ name: 'cxprobe', configFile }),
      startExporterProcess({ name: 'doomed cxprobe', configFile: doomedConfigFile }),
    ]);
    // Kept even when the other failed, so afterAll stops it.
    if (main.status === 'fulfilled') exporter = main.value;
    if (second.status === 'fulfilled') doomed = second.value;
    if (main.status === 'rejected') throw main.reason;
    if (second.status === 'rejected') throw second.reason;

    webhook = await startWebhookReceiver();
    const committed = await readFile(path.join(ROOT, 'prometheus/alertmanager.yml'), 'utf8');
    const alertmanagerYaml = rewriteAlertmanagerConfig(committed, webhook.url);
    receivers = webhookReceivers(alertmanagerYaml, webhook.url);
    alertmanager = await startAlertmanager({ dir, configYaml: alertmanagerYaml });
    prometheus = await startPrometheus({
      dir,
      ruleFiles: [rulesFile, alertsFile],
      alertmanagerUrl: alertmanager.url,
      scrapeTargets: [main.value.address],
    });
    await eventually(
      async () => (await prom().query(`up{job="${SCRAPE_JOB}"} == 1`)).length === 1,
      30_000,
      'Prometheus to scrape cxprobe',
    );
  }, 120_000);

  afterAll(async () => {
    // Everything is stopped even if something before it fails to.
    const stops = [
      prometheus?.stop(),
      alertmanager?.stop(),
      exporter?.stop(),
      doomed?.stop(),
      webhook?.close(),
      certServer?.close(),
      ...Object.values(sims ?? {}).map((simulator) => simulator.close()),
    ].filter((stop) => stop !== undefined);
    const results = await Promise.allSettled(stops);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) throw new Error(`cleanup failed: ${String(failed[0]?.reason)}`);
  }, 60_000);

  it('passes promtool check rules and amtool check-config on what the stack runs', async () => {
    const run = async (command: string, args: string[]) => {
      const child = execFile(command, args);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      return { code, output };
    };
    const rules = await run('promtool', [
      'check',
      'rules',
      inDir('rules.yml'),
      inDir('alerts.yml'),
    ]);
    expect(rules.code, rules.output).toBe(0);
    const am = await run('amtool', ['check-config', inDir('alertmanager.yml')]);
    expect(am.code, am.output).toBe(0);
    expect(receivers.length).toBeGreaterThan(0);
  });

  // -------------------------------------------------------------------------------------------
  // Healthy baseline
  // -------------------------------------------------------------------------------------------

  /** How long every target may take to report for the first time. */
  const TARGETS_READY_MS = 60_000;
  /** Healthy time, after every target reported, over which no alert may fire. */
  const SETTLE_MS = 60_000;

  it(
    'healthy baseline: every target reports and no alert fires',
    async () => {
      await eventually(
        async () => {
          const success = await prom().query('cxprobe_probe_success');
          const down = success.filter((sample) => sample.value[1] !== '1');
          return success.length === targetCount && down.length === 0;
        },
        TARGETS_READY_MS,
        'every target to report probe_success 1',
      );
      await eventually(
        async () => (await prom().query('cxprobe_audio_mos')).length === mosTargets,
        TARGETS_READY_MS,
        'a MOS for every audio target',
      );
      await sleep(SETTLE_MS);
      const promFiring = await prom().query('ALERTS{alertstate="firing"}');
      expect(
        promFiring.map((sample) => describeLabels(sample.metric)),
        'Prometheus ALERTS firing in the healthy baseline',
      ).toEqual([]);
      expect(
        firing().map((alert) => describeLabels(alert.labels)),
        'alerts at the webhook in the healthy baseline',
      ).toEqual([]);
    },
    TARGETS_READY_MS * 2 + SETTLE_MS + 10_000,
  );

  // -------------------------------------------------------------------------------------------
  // Fault scenarios, one at a time; each has a simulator (or server) of its own.
  // -------------------------------------------------------------------------------------------

  const scenarios: Scenario[] = [
    {
      name: 'Genesys token endpoint failing',
      inject: () => {
        sim('token').setFaults({ endpoints: { genesys_oauth: { error_rate: 1 } } });
      },
      undo: () => {
        sim('token').setFaults({ reset: true });
      },
      expect: [
        {
          alertname: 'CxprobeTokenRefreshFailing',
          severity: 'warning',
          credential: 'genesys-token',
        },
        { alertname: 'CxprobeProbeFailing', severity: 'critical', target: 'token-api' },
        {
          alertname: 'CxprobeProbeErrorBudgetBurn',
          severity: 'critical',
          target: 'token-api',
          long: '1m',
          short: '30s',
        },
      ],
      allow: [{ target: 'token-api' }],
      diagnose: [
        'cxprobe_oauth_token_requests_total{credential="genesys-token"}',
        'cxprobe_oauth_token_expiry_timestamp_seconds{credential="genesys-token"} - time()',
        'cxprobe_probe_success{target="token-api"}',
      ],
      timeoutMs: 90_000,
    },
    {
      name: 'WebSocket sessions dropping with 1006',
      inject: () => {
        sim('drops').setFaults({ ws_endpoints: { ws_echo: { drop_every_ms: 1_000 } } });
      },
      undo: () => {
        sim('drops').setFaults({ reset: true });
      },
      expect: [
        {
          alertname: 'CxprobeWebSocketDropRateHigh',
          severity: 'warning',
          target: 'drops-ws',
          code: '1006',
        },
      ],
      // Every drop is followed by a reconnect: a storm, and maybe failing probes, come along.
      allow: [{ target: 'drops-ws' }],
      diagnose: ['cxprobe_ws_closes_total{target="drops-ws"}'],
      timeoutMs: 60_000,
    },
    {
      name: 'WebSocket ping round trips slow (300 ms pongs)',
      inject: () => {
        sim('rtt').setFaults({
          ws_endpoints: { ws_echo: { pong_delay: { fixed_ms: 300, random_ms: 50 } } },
        });
      },
      undo: () => {
        sim('rtt').setFaults({ reset: true });
      },
      expect: [
        {
          alertname: 'CxprobeWebSocketPingRttHigh',
          severity: 'warning',
          target: 'rtt-ws',
          layer: 'control',
        },
      ],
      allow: [],
      diagnose: [
        'histogram_quantile(0.95, sum by (le) (rate(cxprobe_ws_ping_rtt_seconds_bucket{target="rtt-ws"}[30s])))',
        'increase(cxprobe_ws_ping_rtt_seconds_count{target="rtt-ws"}[30s])',
      ],
      timeoutMs: 60_000,
    },
    {
      name: 'WebSocket reconnect storm (handshakes refused after drops)',
      inject: () => {
        sim('storm').setFaults({
          ws_endpoints: {
            ws_echo: { refuse_handshakes: { status: 503, count: 1_000_000 }, drop_every_ms: 500 },
          },
        });
        sim('storm').wsAction('ws_echo', 'drop');
      },
      undo: () => {
        sim('storm').setFaults({ reset: true });
      },
      expect: [
        { alertname: 'CxprobeWebSocketReconnectStorm', severity: 'warning', target: 'storm-ws' },
      ],
      allow: [{ target: 'storm-ws' }],
      diagnose: ['cxprobe_ws_reconnects_total{target="storm-ws"}'],
      timeoutMs: 60_000,
    },
    {
      name: 'Genesys Notifications heartbeats missing (channel stalled)',
      inject: () => {
        // Half-open: the channel stays connected but nothing comes, heartbeats included.
        sim('heartbeat').setFaults({
          ws_endpoints: { genesys_notifications: { half_open: true } },
        });
      },
      undo: () => {
        sim('heartbeat').setFaults({ reset: true });
      },
      expect: [
        {
          alertname: 'CxprobeWebSocketHeartbeatsMissing',
          severity: 'warning',
          target: 'heartbeat-notifications',
        },
      ],
      allow: [{ target: 'heartbeat-notifications' }],
      diagnose: ['cxprobe_ws_heartbeats_missed_total{target="heartbeat-notifications"}'],
      timeoutMs: 60_000,
    },
    {
      name: 'AudioHook jitter (frames delayed 0-100 ms)',
      inject: () => {
        sim('jitter').setFaults({
          ws_endpoints: { audiohook: { frame_delay: { fixed_ms: 0, random_ms: 100 } } },
        });
      },
      undo: () => {
        sim('jitter').setFaults({ reset: true });
      },
      expect: [
        {
          alertname: 'CxprobeAudioJitterHigh',
          severity: 'warning',
          target: 'jitter-audiohook',
          direction: 'inbound',
        },
      ],
      // Late frames are lost frames to a 60 ms playout buffer: the MOS may drop too.
      allow: [{ alertname: 'CxprobeAudioMosLow', target: 'jitter-audiohook' }],
      diagnose: [
        'histogram_quantile(0.95, sum by (le, direction) (rate(cxprobe_audio_interarrival_deviation_seconds_bucket{target="jitter-audiohook"}[30s])))',
      ],
      timeoutMs: 60_000,
    },
    {
      name: 'AudioHook frame loss (30 %): MOS low',
      inject: () => {
        sim('mos').setFaults({ ws_endpoints: { audiohook: { frame_loss_rate: 0.3 } } });
      },
      undo: () => {
        sim('mos').setFaults({ reset: true });
      },
      expect: [{ alertname: 'CxprobeAudioMosLow', severity: 'critical', target: 'mos-audiohook' }],
      // Below 3.6 too: the warning fires in Prometheus; Alertmanager holds it back while the
      // critical twin fires (it may get out first, as the MOS falls through 3.6 before 3.1).
      inhibited: [
        { alertname: 'CxprobeAudioMosLow', severity: 'warning', target: 'mos-audiohook' },
      ],
      allow: [
        { alertname: 'CxprobeAudioMosLow', severity: 'warning', target: 'mos-audiohook' },
        // Gaps in the echo stream widen the deviation between the frames that do arrive.
        { alertname: 'CxprobeAudioJitterHigh', target: 'mos-audiohook' },
      ],
      diagnose: ['cxprobe_audio_mos{target="mos-audiohook"}'],
      timeoutMs: 60_000,
    },
    {
      name: 'Cognigy bot turns over budget (1.5 s against a 1 s budget)',
      inject: () => {
        sim('bot').setFaults({
          endpoints: { cognigy_rest: { latency: { fixed_ms: 1_500, random_ms: 0 } } },
        });
      },
      undo: () => {
        sim('bot').setFaults({ reset: true });
      },
      expect: [{ alertname: 'CxprobeBotTurnsOverBudget', severity: 'warning', target: 'slow-bot' }],
      allow: [],
      diagnose: [
        'cxprobe_bot_turns_over_budget_total{target="slow-bot"}',
        'cxprobe_bot_turn_duration_seconds_count{target="slow-bot"}',
      ],
      timeoutMs: 60_000,
    },
    {
      name: 'Genesys API rate limit storm (429)',
      inject: () => {
        sim('ratelimit').setFaults({
          endpoints: { genesys_tokens_me: { rate_limit_storm: true, storm_retry_after_s: 1 } },
        });
      },
      undo: () => {
        sim('ratelimit').setFaults({ reset: true });
      },
      expect: [{ alertname: 'CxprobeRateLimited', severity: 'warning', target: 'limited-api' }],
      // A 429 is a failed probe.
      allow: [{ target: 'limited-api' }],
      diagnose: ['cxprobe_rate_limited_total{target="limited-api"}'],
      timeoutMs: 60_000,
    },
    {
      name: 'TLS certificate expiring (3 days left)',
      inject: () => {
        certServer?.useCertificate(3);
      },
      undo: () => {
        certServer?.useCertificate(HEALTHY_CERT_DAYS);
      },
      expect: [
        {
          alertname: 'CxprobeTlsCertificateExpiringSoon',
          severity: 'warning',
          target: 'cert-https',
        },
      ],
      allow: [],
      diagnose: ['cxprobe_tls_cert_expiry_timestamp_seconds{target="cert-https"} - time()'],
      timeoutMs: 60_000,
    },
    {
      name: 'TLS certificate expiring (1 day left)',
      inject: () => {
        certServer?.useCertificate(1);
      },
      undo: () => {
        certServer?.useCertificate(HEALTHY_CERT_DAYS);
      },
      expect: [
        {
          alertname: 'CxprobeTlsCertificateExpiringSoon',
          severity: 'critical',
          target: 'cert-https',
        },
      ],
      // Under 14 days too: the warning fires in Prometheus, but the critical one inhibits it.
      inhibited: [
        {
          alertname: 'CxprobeTlsCertificateExpiringSoon',
          severity: 'warning',
          target: 'cert-https',
        },
      ],
      allow: [],
      diagnose: ['cxprobe_tls_cert_expiry_timestamp_seconds{target="cert-https"} - time()'],
      timeoutMs: 60_000,
    },
  ];

  async function runScenario(scenario: Scenario): Promise<void> {
    // Whole seconds: Alertmanager's startsAt can be rounded below the millisecond we injected at.
    scenariosRun.push({ scenario, injectedAt: Math.floor(Date.now() / 1000) * 1000 });
    await scenario.inject();
    try {
      for (const wanted of scenario.expect) {
        await eventually(
          () =>
            firing().find(
              (alert) => matches(alert.labels, wanted) && receivers.includes(alert.receiver),
            ),
          scenario.timeoutMs,
          `${describeLabels(wanted)} at the webhook`,
          500,
        ).catch(async (error: unknown) => {
          throw new Error(
            `${error instanceof Error ? error.message : String(error)}\n${await diagnostics(scenario, wanted)}`,
          );
        });
      }
      for (const twin of scenario.inhibited ?? []) {
        const selector = describeLabels({ ...twin, alertstate: 'firing' });
        await eventually(
          async () => (await prom().query(`ALERTS${selector}`)).length > 0,
          scenario.timeoutMs,
          `ALERTS${selector} in Prometheus`,
          500,
        );
      }
    } finally {
      await scenario.undo();
    }
    // The alert carries what the on-call engineer needs.
    for (const wanted of scenario.expect) {
      const alert = firing().find((candidate) => matches(candidate.labels, wanted));
      expect(alert?.labels).toMatchObject({ ...wanted, job: SCRAPE_JOB });
      expect(alert?.annotations.summary).toBeTruthy();
      expect(alert?.annotations.description).toBeTruthy();
      expect(alert?.annotations.runbook_url).toBeTruthy();
    }
  }

  async function diagnostics(scenario: Scenario, wanted: Labels): Promise<string> {
    const lines = [`--- diagnostics for "${scenario.name}" ---`];
    const show = async (expr: string) => {
      try {
        const samples = await prom().query(expr);
        lines.push(
          `${expr} =>`,
          ...samples.map((sample) => `  ${describeLabels(sample.metric)} ${sample.value[1]}`),
        );
      } catch (error) {
        lines.push(`${expr} => ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    await show(`ALERTS{alertname="${wanted.alertname ?? ''}"}`);
    for (const expr of scenario.diagnose) await show(expr);
    lines.push(
      'alerts at the webhook:',
      ...hook().alerts.map(
        (alert) => `  ${alert.status} ${alert.receiver} ${describeLabels(alert.labels)}`,
      ),
    );
    return lines.join('\n');
  }

  for (const scenario of scenarios) {
    it(`fault: ${scenario.name}`, () => runScenario(scenario), scenario.timeoutMs * 2);
  }

  it('fault: a configuration reload fails, then the exporter goes down', async () => {
    const instance = doomed?.address ?? '';
    const scrapeTargets = [exporter?.address ?? '', instance];
    await prom().setScrapeTargets(scrapeTargets);
    await eventually(
      async () => (await prom().query(`up{instance="${instance}"} == 1`)).length === 1,
      30_000,
      'Prometheus to scrape the second exporter',
    );
    const reload: Scenario = {
      name: 'configuration reload failing',
      inject: async () => {
        await writeFile(doomedConfigFile, 'targets: [ {name: broken');
        const response = await fetch(`${doomed?.url ?? ''}/-/reload`, { method: 'POST' });
        expect(response.status).toBe(500);
      },
      undo: () => undefined,
      expect: [{ alertname: 'CxprobeConfigReloadFailed', severity: 'warning', instance }],
      allow: [{ instance }],
      diagnose: [`cxprobe_config_last_reload_successful{instance="${instance}"}`],
      timeoutMs: 60_000,
    };
    await runScenario(reload);
    const down: Scenario = {
      name: 'exporter down',
      inject: async () => {
        await doomed?.stop();
      },
      undo: async () => {
        await prom().setScrapeTargets([exporter?.address ?? '']);
      },
      expect: [{ alertname: 'CxprobeExporterDown', severity: 'critical', instance }],
      allow: [{ instance }],
      diagnose: [`up{instance="${instance}"}`],
      timeoutMs: 60_000,
    };
    await runScenario(down);
  }, 180_000);

  // -------------------------------------------------------------------------------------------
  // Dashboards and the exposition, on the data the scenarios produced.
  // -------------------------------------------------------------------------------------------

  it('every panel query of every dashboard returns data', async () => {
    const dashboards = renderDashboards(monitoringConfig);
    const failures: string[] = [];
    let total = 0;
    for (const [file, json] of Object.entries(dashboards)) {
      for (const { panel, expr } of dashboardQueries(json, STACK_TEST_VARIABLES)) {
        total++;
        try {
          const samples = await prom().query(expr);
          if (samples.length === 0) failures.push(`${file} / ${panel}: no data from ${expr}`);
        } catch (error) {
          failures.push(
            `${file} / ${panel}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
    expect(total).toBeGreaterThan(0);
    expect(failures, `${failures.length} of ${total} panel queries without data`).toEqual([]);
  }, 60_000);

  it('passes promtool check metrics on a live scrape', async () => {
    const text = await (await fetch(`${exporter?.url ?? ''}/metrics`)).text();
    const child = execFile('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin?.end(text);
    const [code] = (await once(child, 'exit')) as [number];
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('fault: Prometheus loses every cxprobe scrape target', async () => {
    await runScenario({
      name: 'exporter absent',
      inject: async () => {
        await prom().setScrapeTargets([]);
      },
      undo: async () => {
        await prom().setScrapeTargets([exporter?.address ?? '']);
      },
      // absent() has only the selector's labels: no instance, no target.
      expect: [{ alertname: 'CxprobeExporterAbsent', severity: 'critical', job: SCRAPE_JOB }],
      allow: [],
      diagnose: [`up{job="${SCRAPE_JOB}"}`, `absent(up{job="${SCRAPE_JOB}"})`],
      timeoutMs: 60_000,
    });
  }, 120_000);

  it('no alert reached the webhook that no scenario explains', () => {
    // Explained: it matches what a scenario expects or allows, and started after that scenario
    // injected its fault (so a 3-day certificate that fired the critical alert would not be
    // excused by the later 1-day scenario).
    const explained = (alert: ReceivedAlert) =>
      scenariosRun.some(
        ({ scenario, injectedAt }) =>
          Date.parse(alert.startsAt) >= injectedAt &&
          [...scenario.expect, ...scenario.allow].some((labels) => matches(alert.labels, labels)),
      );
    const unexplained = firing()
      .filter((alert) => !explained(alert))
      .map((alert) => `${describeLabels(alert.labels)} since ${alert.startsAt}`);
    expect([...new Set(unexplained)]).toEqual([]);
  });
});
