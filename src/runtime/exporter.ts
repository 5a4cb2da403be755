import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { TokenSource, type TokenEvents } from '../auth/token-source.ts';
import { loadConfigFile, type Config, type Target } from '../config/load.ts';
import { createRedactor, type Redactor } from '../config/redact.ts';
import type { Metrics } from '../metrics/catalogue.ts';
import { MetricsRecorder } from '../metrics/recorder.ts';
import { createTargetProber } from '../probers/index.ts';
import { SessionRunner } from './session-runner.ts';
import type { SessionEnd } from '../probers/session/types.ts';
import { createSessionRecorder, type SessionState } from '../metrics/session-recorder.ts';
import { createSessionLog } from '../exporter/session-log.ts';
import type { ProberDeps } from '../probers/deps.ts';
import type { ProbeResult } from '../probers/types.ts';
import { Scheduler } from './scheduler.ts';
import { ProbeHistory } from '../sinks/history.ts';
import { runProbe } from './cycle-runner.ts';
import { targetAttributes } from '../tracing/attributes.ts';
import { traceSession } from '../tracing/session-tracing.ts';

/** The live state of one target, for the landing page. */
export interface TargetState {
  target: Target;
  last: ProbeResult | undefined;
  lastAt: number | undefined;
  nextAt: number | undefined;
  /** Persistent kinds: the live session. */
  session: SessionState | undefined;
}

export type ReloadOutcome = { ok: true } | { ok: false; error: string };

interface ActiveTarget {
  target: Target;
  /** The config fragment the prober was built from; unchanged fragments survive a reload. */
  fingerprint: string;
  last: ProbeResult | undefined;
  lastAt: number | undefined;
  session: SessionState | undefined;
  /** Stops probing the target (scheduler job or session runner). */
  stop: () => Promise<void>;
}

/**
 * Owns the running configuration: builds probers and token sources from it, schedules the
 * targets, and swaps in a new config on reload only when it is valid as a whole.
 */
export class Exporter {
  readonly history: ProbeHistory;
  private readonly recorder: MetricsRecorder;
  private readonly scheduler = new Scheduler();
  private readonly active = new Map<string, ActiveTarget>();
  private tokenSources = new Map<string, { fingerprint: string; source: TokenSource }>();
  private readonly caFiles = new Map<string, Promise<string>>();
  private current: Config | undefined;
  private redactorFn: Redactor = createRedactor([]);
  /** The latest tokens issued per credential (current and previous): secrets the config can't know. */
  private readonly issuedTokens = new Map<string, string[]>();
  private reloading: Promise<ReloadOutcome> | undefined;
  private stopped = false;

  constructor(
    private readonly configFile: string,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly loadConfig: (file: string) => Promise<Config> = loadConfigFile,
  ) {
    this.recorder = new MetricsRecorder(metrics);
    this.history = new ProbeHistory(100);
  }

  /** The redactor for the running config's secrets. */
  readonly redactor = (): Redactor => this.redactorFn;

  get config(): Config | undefined {
    return this.current;
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
    this.stopped = true;
    await Promise.all([
      this.scheduler.stop(),
      ...[...this.active.values()].map((active) => active.stop()),
    ]);
  }

  /** Every configured target with its last result, in config order. */
  targets(): TargetState[] {
    return (this.current?.targets ?? []).map((target) => {
      const active = this.active.get(target.name);
      return {
        target,
        last: active?.last,
        lastAt: active?.lastAt,
        nextAt: this.scheduler.nextRunAt(target.name),
        session: active?.session,
      };
    });
  }

  private async apply(config: Config): Promise<void> {
    this.current = config;
    this.rebuildRedactor();
    this.history.setLimit(config.global.historyLimit);
    this.recorder.setHistogramPhases(config.global.httpPhaseHistograms);
    const changedCredentials = this.applyCredentials(config);

    const wanted = new Map(config.targets.map((target) => [target.name, target]));
    for (const name of [...this.active.keys()]) {
      if (!wanted.has(name)) {
        await this.active.get(name)?.stop();
        this.active.delete(name);
        await this.recorder.removeTarget(name);
      }
    }
    for (const target of config.targets) {
      const fingerprint = JSON.stringify(target);
      const existing = this.active.get(target.name);
      const credential = 'credential' in target ? target.credential : undefined;
      const unchanged =
        existing?.fingerprint === fingerprint &&
        (credential === undefined || !changedCredentials.has(credential));
      if (unchanged) continue;
      if (existing !== undefined) {
        await existing.stop();
        await this.recorder.removeTarget(target.name);
      }
      await this.startTarget(target, fingerprint, config);
    }
    this.recorder.setTargetCounts(config.targets);
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
    const built = createTargetProber(target, config, deps);
    // Computed from the config with its redactor: no secret reaches a span attribute.
    const traceAttributes = targetAttributes(target, config, this.redactorFn);
    if (built.mode === 'session') {
      const recorder = createSessionRecorder(target, this.metrics);
      const { state } = recorder;
      const traced = traceSession(target, traceAttributes, recorder);
      const events = {
        ...traced.events,
        // A connect that failed with an unclassified error is a bug in cxprobe, not the peer.
        connectFailed: (reason: string, status: number | undefined, message: string) => {
          if (reason === 'internal') this.metrics.internalErrors.inc({ source: 'session' });
          traced.events.connectFailed(reason, status, message);
        },
        closed: (end: SessionEnd, seconds: number) => {
          if (end.reason === 'internal_error') {
            this.metrics.internalErrors.inc({ source: 'session' });
          }
          traced.events.closed(end, seconds);
        },
      };
      const runner = new SessionRunner(
        built.protocol,
        events,
        traced.audio,
        () => createSessionLog(target, this.history, this.logger, this.redactor),
        built.backoff,
        Math.random,
        traced.lifecycle,
      );
      this.active.set(target.name, {
        target,
        fingerprint,
        last: undefined,
        lastAt: undefined,
        session: state,
        stop: () => runner.stop(),
      });
      runner.start();
      return;
    }
    const { prober } = built;
    const active: ActiveTarget = {
      target,
      fingerprint,
      last: undefined,
      lastAt: undefined,
      session: undefined,
      stop: () => this.scheduler.remove(target.name),
    };
    this.active.set(target.name, active);
    this.recorder.addTarget(target);
    await this.scheduler.add({
      name: target.name,
      intervalMs: target.interval,
      run: async (signal) => {
        const result = await runProbe(
          target,
          prober,
          signal,
          {
            recorder: this.recorder,
            history: this.history,
            logger: this.logger,
            redactor: this.redactor,
            traceAttributes,
            internalError: () => {
              this.metrics.internalErrors.inc({ source: 'probe' });
            },
          },
          active.last,
        );
        if (result === undefined || this.stopped) return undefined;
        active.last = result;
        active.lastAt = Date.now();
        return result.retryAfterMs === undefined
          ? undefined
          : { notBeforeMs: Date.now() + result.retryAfterMs };
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
