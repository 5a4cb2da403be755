import { randomBytes } from 'node:crypto';
import type { OAuthPlatform } from '../defaults.ts';

/** What the simulator remembers about an access token it issued. */
export interface IssuedToken {
  platform: OAuthPlatform;
  clientId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Sweep expired tokens once the store holds this many, so a long demo cannot grow it forever. */
const SWEEP_THRESHOLD = 10_000;

/** Issued access tokens with their client and expiry. */
export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();

  /** Issues an opaque random token valid for `ttlSeconds`. */
  issue(platform: OAuthPlatform, clientId: string, ttlSeconds: number, now = Date.now()): string {
    if (this.#tokens.size >= SWEEP_THRESHOLD) this.#sweep(now);
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, { platform, clientId, expiresAt: now + ttlSeconds * 1000 });
    return token;
  }

  /** The live token issued for `platform`, or undefined if unknown, expired or another platform's. */
  lookup(token: string, platform: OAuthPlatform, now = Date.now()): IssuedToken | undefined {
    const issued = this.#tokens.get(token);
    if (issued === undefined || issued.platform !== platform) return undefined;
    if (issued.expiresAt <= now) {
      this.#tokens.delete(token);
      return undefined;
    }
    return issued;
  }

  /** True for a live token of any platform. */
  isLive(token: string, now = Date.now()): boolean {
    const issued = this.#tokens.get(token);
    return issued !== undefined && issued.expiresAt > now;
  }

  #sweep(now: number): void {
    for (const [token, issued] of this.#tokens) {
      if (issued.expiresAt <= now) this.#tokens.delete(token);
    }
  }
}
