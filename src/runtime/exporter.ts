import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { TokenSource, type TokenEvents } from '../auth/token-source.ts';
import { loadConfigFile, type Config, type Target } from '../config/load.ts';
import { createRedactor, type Redactor } from '../config/redact.ts';
import { kindOf } from '../kinds/registry.ts';
import type { Metrics } from '../metrics/catalogue.ts';
import type { ProberDeps } from '../probers/deps.ts';
import { createPipeline } from '../sinks/fan-out.ts';
import { HistorySink, type TargetState } from '../sinks/history.ts';
import { MetricsSink } from '../sinks/metrics.ts';
import { targetAttributes } from '../tracing/attributes.ts';
import { runCycle } from './cycle-runner.ts';
import { Scheduler } from './scheduler.ts';
import { SessionRunner } from './session-runner.ts';

export type ReloadOutcome = { ok: true } | { ok: false; error: string };

interface ActiveTarget {
  /** The config fragment the prober was built from; unchanged fragments survive a reload. */
  fingerprint: string;
  /** Stops probing the target (scheduler job or session runner). */
  stop: () => Promise<void>;
}

/**
 * Owns the running configuration: builds each target's prober (through its kind) and event
 * pipeline (through the sinks), schedules cycle kinds and keeps session kinds open, and swaps in
 * a new config on reload only when it is valid as a whole.
 */
export class Exporter {
  private readonly history: HistorySink;
  private readonly metricsSink: MetricsSink;
  private readonly scheduler = new Scheduler();
  private readonly active = new Map<string, ActiveTarget>();
  private tokenSources = new Map<string, { fingerprint: string; source: TokenSource }>();
  private readonly caFiles = new Map<string, Promise<string>>();
  private current: Config | undefined;
  private redactorFn: Redactor = createRedactor([]);
  /** The latest tokens issued per credential (current and previous): secrets the config can't know. */
  private readonly issuedTokens = new Map<string, string[]>();
  private reloading: Promise<ReloadOutcome> | undefined;

  constructor(
    private readonly configFile: string,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly loadConfig: (file: string) => Promise<Config> = loadConfigFile,
  ) {
    this.metricsSink = new MetricsSink(metrics);
    this.history = new HistorySink(this.redactor);
  }

  /** The redactor for the running config's secrets. */
  readonly redactor = (): Redactor => this.redactorFn;

  get config(): Config | undefined {
    return this.current;
  }

  /** The probe history the landing page and /logs show. */
  get probeHistory(): HistorySink['history'] {
    return this.history.history;
  }

  /** Loads the config and starts probing. Throws ConfigError when the file is not valid. */
  async start(): Promise<void> {
    const config = await this.loadConfig(this.configFile);
    await this.apply(config);
    this.metrics.configReloadSuccess.set(1);
    this.metrics.configReloadTimestamp.set(Date.now() / 1000);
  }

  /** Re-reads the config file; a bad file is rejected whole and the running config stays. */
  reload(): Promise<ReloadOutcome> {
    // Reloads are serialised: a SIGHUP during a POST /-/reload waits for it.
    const run = async (): Promise<ReloadOutcome> => {
      let config: Config;
      try {
        config = await this.loadConfig(this.configFile);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.metrics.configReloadSuccess.set(0);
        this.metrics.configReloads.inc({ result: 'failure' });
        this.logger.error(
          { err_detail: message },
          'config reload failed; keeping the running config',
        );
        return { ok: false, error: this.redactorFn(message) };
      }
      await this.apply(config);
      this.metrics.configReloadSuccess.set(1);
      this.metrics.configReloadTimestamp.set(Date.now() / 1000);
      this.metrics.configReloads.inc({ result: 'success' });
      this.logger.info({ targets: config.targets.length }, 'config reloaded');
      return { ok: true };
    };
    const next = (this.reloading ?? Promise.resolve({ ok: true } as ReloadOutcome)).then(run, run);
    this.reloading = next;
    return next;
  }

  /** Stops probing and waits for probes in flight. */
  async stop(): Promise<void> {
    await Promise.all([
      this.scheduler.stop(),
      ...[...this.active.values()].map((active) => active.stop()),
    ]);
  }

  /** Every configured target with its live state, in config order. */
  targets(): TargetState[] {
    return this.history.targets(this.current?.targets ?? []);
  }

  private async apply(config: Config): Promise<void> {
    this.current = config;
    this.rebuildRedactor();
    this.history.setLimit(config.global.historyLimit);
    this.metricsSink.setHistogramPhases(config.global.httpPhaseHistograms);
    const changedCredentials = this.applyCredentials(config);

    const wanted = new Map(config.targets.map((target) => [target.name, target]));
    for (const name of [...this.active.keys()]) {
      if (!wanted.has(name)) await this.removeTarget(name);
    }
    for (const target of config.targets) {
      const fingerprint = JSON.stringify(target);
      const existing = this.active.get(target.name);
      const credential = 'credential' in target ? target.credential : undefined;
      const unchanged =
        existing?.fingerprint === fingerprint &&
        (credential === undefined || !changedCredentials.has(credential));
      if (unchanged) continue;
      if (existing !== undefined) await this.removeTarget(target.name);
      await this.startTarget(target, fingerprint, config);
    }
    this.metricsSink.setTargetCounts(config.targets);
  }

  private async removeTarget(name: string): Promise<void> {
    await this.active.get(name)?.stop();
    this.active.delete(name);
    this.history.removeTarget(name);
    await this.metricsSink.removeTarget(name);
  }

  /** Scrubs the config's secrets and the tokens issued to us (a target may echo one back). */
  private rebuildRedactor(): void {
    const issued = [...this.issuedTokens.values()].flat();
    this.redactorFn = createRedactor([...(this.current?.secrets ?? []), ...issued]);
  }

  /** Keeps token sources (and their cached tokens) whose credential did not change. */
  private applyCredentials(config: Config): Set<string> {
    const changed = new Set<string>();
    const next = new Map<string, { fingerprint: string; source: TokenSource }>();
    const events: TokenEvents = {
      tokenRequested: (credential, result, expiresAtMs) => {
        this.metrics.oauthTokenRequests.inc({ credential, result });
        this.metrics.oauthTokenExpiry.set({ credential }, (expiresAtMs ?? 0) / 1000);
      },
      tokenIssued: (credential, token) => {
        const kept = [token, ...(this.issuedTokens.get(credential) ?? [])].slice(0, 2);
        this.issuedTokens.set(credential, kept);
        this.rebuildRedactor();
      },
    };
    for (const [name, credential] of Object.entries(config.credentials)) {
      const fingerprint = JSON.stringify(credential);
      const existing = this.tokenSources.get(name);
      if (existing?.fingerprint === fingerprint) {
        next.set(name, existing);
        continue;
      }
      changed.add(name);
      next.set(name, { fingerprint, source: new TokenSource(name, credential, events) });
      this.metrics.oauthTokenRequests.inc({ credential: name, result: 'success' }, 0);
      this.metrics.oauthTokenExpiry.set({ credential: name }, 0);
    }
    for (const name of this.tokenSources.keys()) {
      if (!next.has(name)) {
        changed.add(name);
        this.metrics.oauthTokenExpiry.remove({ credential: name });
      }
    }
    this.tokenSources = next;
    return changed;
  }

  private async startTarget(target: Target, fingerprint: string, config: Config): Promise<void> {
    const deps: ProberDeps = {
      tokenSource: (name) => (name === undefined ? undefined : this.tokenSources.get(name)?.source),
      readCa: (file) => (file === undefined ? Promise.resolve(undefined) : this.readCa(file)),
    };
    const kind = kindOf(target);
    const built = kind.create(target, { config, deps });
    // Computed from the config with its redactor: no secret reaches a span attribute.
    const attributes = targetAttributes(target, kind.endpoint(target, config), this.redactorFn);
    const emit = createPipeline(target, kind.traits, attributes, {
      metrics: this.metricsSink,
      history: this.history,
      logger: this.logger,
      catalogue: this.metrics,
    });
    if (built.mode === 'session') {
      const runner = new SessionRunner(built.protocol, emit, built.backoff);
      this.active.set(target.name, { fingerprint, stop: () => runner.stop() });
      runner.start();
      return;
    }
    this.active.set(target.name, { fingerprint, stop: () => this.scheduler.remove(target.name) });
    await this.scheduler.add({
      name: target.name,
      intervalMs: target.interval,
      run: async (signal) => {
        const result = await runCycle(target, built.prober, signal, emit);
        if (result?.retryAfterMs === undefined) return undefined;
        return { notBeforeMs: Date.now() + result.retryAfterMs };
      },
      scheduled: (nextAtMs) => {
        emit({ type: 'cycle_scheduled', nextAtMs });
      },
    });
  }

  private readCa(file: string): Promise<string> {
    let pending = this.caFiles.get(file);
    if (pending === undefined) {
      pending = readFile(file, 'utf8');
      this.caFiles.set(file, pending);
    }
    return pending;
  }
}
