import got, { type Got } from 'got';
import { MAX_TIMER_MS } from '../config/duration.ts';
import type { Credential } from '../config/load.ts';
import type { FailureReason } from '../events/reasons.ts';
import { classifyRequestError } from '../events/classify-error.ts';
import { genesysUrls } from '../config/genesys-regions.ts';

/** Where the token source reports what it did; the exporter turns this into metrics. */
export interface TokenEvents {
  tokenRequested(credential: string, result: 'success' | FailureReason, expiresAtMs?: number): void;
  /** A token was issued to us: a secret from now on, wherever a peer may echo it back. */
  tokenIssued?(credential: string, token: string): void;
}

/** No token could be had. `reason` is a catalogue code; `message` never contains the secret. */
export class TokenError extends Error {
  readonly code = 'ERR_OAUTH_TOKEN';
  constructor(
    readonly credential: string,
    readonly reason: FailureReason,
    message: string,
  ) {
    super(`credential ${credential}: ${message}`);
    this.name = 'TokenError';
  }
}

/** How long the token endpoint is left alone after a failed request, so probes cannot hammer it. */
const FAILURE_HOLD_MS = 5_000;
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** RFC 6749 makes expires_in optional; assume a short life rather than a long one. */
const DEFAULT_EXPIRES_IN_S = 300;
/**
 * Longest token lifetime believed: the longest timer Node can arm (about 24.8 days). Real
 * endpoints issue hours; a longer claim only means an early, harmless refresh.
 */
const MAX_EXPIRES_IN_S = Math.floor(MAX_TIMER_MS / 1000);

interface CachedToken {
  value: string;
  expiresAtMs: number;
}

/**
 * OAuth2 client-credentials tokens for one credential: cached, refreshed `refresh_before` ahead
 * of expiry, and single-flight so concurrent probes share one request.
 */
export class TokenSource {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private lastFailure: { atMs: number; error: TokenError } | undefined;

  constructor(
    readonly name: string,
    private readonly credential: Credential,
    private readonly events: TokenEvents,
    private readonly client: Got = got,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for at least `refresh_before`, fetching one if needed. Throws {@link TokenError}. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached !== undefined && this.now() < cached.expiresAtMs - this.credential.refresh_before) {
      return cached.value;
    }
    const failure = this.lastFailure;
    if (failure !== undefined && this.now() - failure.atMs < FAILURE_HOLD_MS) throw failure.error;
    // Before starting a request: one nobody waits for would reject unhandled if it failed.
    signal?.throwIfAborted();
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    const token = await raceAbort(this.inflight, signal);
    return token.value;
  }

  /**
   * Epoch ms at which the cached token expires, or undefined when none is cached. Lets a
   * prober tell a server close at token expiry (Genesys notification channels die with the
   * token that created them, docs/protocols.md §2.4) from an unplanned one.
   */
  cachedExpiryMs(): number | undefined {
    return this.cached?.expiresAtMs;
  }

  /** Drops `token` after the server refused it (401), so the next call fetches a fresh one. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
    this.lastFailure = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    try {
      const token = await this.request();
      this.events.tokenIssued?.(this.name, token.value);
      this.cached = token;
      this.lastFailure = undefined;
      this.events.tokenRequested(this.name, 'success', token.expiresAtMs);
      return token;
    } catch (error) {
      const tokenError =
        error instanceof TokenError
          ? error
          : new TokenError(this.name, classifyRequestError(error), describeError(error));
      this.lastFailure = { atMs: this.now(), error: tokenError };
      // A failed refresh keeps no half-valid state: dependent probes fail with auth_failed
      // until a request succeeds, which is what makes a broken token endpoint visible.
      this.cached = undefined;
      this.events.tokenRequested(this.name, tokenError.reason, 0);
      throw tokenError;
    }
  }

  private async request(): Promise<CachedToken> {
    const { url, headers, form } = this.tokenRequest();
    const started = this.now();
    const response = await this.client.post(url, {
      headers,
      form,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: TOKEN_REQUEST_TIMEOUT_MS },
      followRedirect: false,
    });
    const body = parseJson(response.body);
    if (response.statusCode !== 200) {
      const code = typeof body?.error === 'string' ? ` (${body.error})` : '';
      throw new TokenError(
        this.name,
        'auth_failed',
        `token endpoint answered ${response.statusCode}${code}`,
      );
    }
    if (body === undefined || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new TokenError(
        this.name,
        'auth_failed',
        'token endpoint answered without an access_token',
      );
    }
    // A finite, bounded lifetime: `1e308` (or `1e400`, which JSON reads as Infinity) would
    // cache the token forever and export an infinite expiry; a lifetime under a second (RFC
    // 6749 §5.1 counts whole seconds) is as unusable as none and gets the default too.
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in >= 1
        ? Math.min(body.expires_in, MAX_EXPIRES_IN_S)
        : DEFAULT_EXPIRES_IN_S;
    return { value: body.access_token, expiresAtMs: started + expiresIn * 1000 };
  }

  private tokenRequest(): {
    url: string;
    headers: Record<string, string>;
    form: Record<string, string>;
  } {
    const { credential } = this;
    const basic = basicAuth(encodeForm(credential.client_id), encodeForm(credential.client_secret));
    if (credential.type === 'genesys') {
      // Genesys takes the client credentials in Basic auth only, never in the form, and its
      // official SDK sends them as they are, not form-encoded as RFC 6749 would have it.
      return {
        url: `${genesysUrls(credential).loginUrl}/oauth/token`,
        headers: { authorization: basicAuth(credential.client_id, credential.client_secret) },
        form: { grant_type: 'client_credentials' },
      };
    }
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (credential.scope !== undefined) form.scope = credential.scope;
    if (credential.audience !== undefined) form.audience = credential.audience;
    if (credential.auth_method === 'client_secret_post') {
      return {
        url: credential.token_url,
        headers: {},
        form: { ...form, client_id: credential.client_id, client_secret: credential.client_secret },
      };
    }
    return { url: credential.token_url, headers: { authorization: basic }, form };
  }
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before going into Basic auth. */
function encodeForm(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    return `token request failed: ${code}${error.message}`;
  }
  return 'token request failed';
}

/** Lets one caller stop waiting without cancelling the request other callers share. */
async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
