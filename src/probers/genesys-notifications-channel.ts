import { z } from 'zod';
import type { TokenSource } from '../auth/token-source.ts';
import { requestWithCredential } from './http/authorized-request.ts';
import type { HttpExchange } from './http/request.ts';
import { parseJsonBody } from './http/expectations.ts';
import { ConnectError, type SessionContext } from './session/types.ts';

/** Node turns a longer timer into 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
/**
 * An `expires` further away than this is not believed: Genesys channels live 24 h
 * (docs/protocols.md §2.4), so twice that is already generous.
 */
export const MAX_TRUSTED_LIFETIME_MS = 48 * 3_600_000;
/** A rollover margin never takes more than this share of a (short) channel lifetime. */
const MAX_MARGIN_SHARE = 0.1;
/** ISO-8601 date-time with a zone, as the SDK models type `expires` (docs/protocols.md §2.2). */
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** The SDKs' `Channel` model (docs/protocols.md §2.2); bounded so a hostile body cannot bloat us. */
const channelSchema = z.object({
  id: z.string().min(1).max(256),
  connectUri: z
    .string()
    .max(2048)
    .refine((text) => URL.canParse(text) && /^wss?:$/.test(new URL(text).protocol)),
  expires: z.string().max(64).optional(),
});

/** A notification channel as the prober keeps it. */
export interface NotificationChannel {
  id: string;
  connectUri: string;
  /** Epoch ms at which to replace the channel (see {@link rolloverDelay}). */
  rolloverAt: number;
  /** Where `rolloverAt` came from, for the log. */
  rolloverFrom: 'expires' | 'channel_rollover';
  /** Epoch ms at which the token that created the channel expires, when known. */
  tokenExpiresAt: number | undefined;
}

/** How to time a rollover. */
export interface RolloverPolicy {
  /** Fallback lifetime from creation when `expires` is unusable (`channel_rollover`). */
  fallbackMs: number;
  /** Replace the channel this long before `expires` (`rollover_before_expiry`). */
  marginMs: number;
}

/**
 * Milliseconds from `nowMs` until the channel should be replaced: `expires` minus the margin
 * (never more than a tenth of a short lifetime), or the fallback from creation when `expires`
 * is absent, malformed, past or further than {@link MAX_TRUSTED_LIFETIME_MS}. Always a valid
 * timer delay.
 */
export function rolloverDelay(
  expires: string | undefined,
  nowMs: number,
  policy: RolloverPolicy,
): { delayMs: number; from: NotificationChannel['rolloverFrom'] } {
  const expiresAt =
    expires !== undefined && ISO_DATE_TIME.test(expires) ? Date.parse(expires) : Number.NaN;
  const lifetime = expiresAt - nowMs;
  if (!Number.isFinite(lifetime) || lifetime <= 0 || lifetime > MAX_TRUSTED_LIFETIME_MS) {
    return { delayMs: clampTimer(policy.fallbackMs), from: 'channel_rollover' };
  }
  const margin = Math.min(Math.max(0, policy.marginMs), lifetime * MAX_MARGIN_SHARE);
  return { delayMs: clampTimer(lifetime - margin), from: 'expires' };
}

function clampTimer(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, Math.round(ms)), MAX_TIMER_MS) : MAX_TIMER_MS;
}

/** A REST answer that is not 2xx, as the connect failure the session runner reports. */
export function restFailure(exchange: HttpExchange, what: string): ConnectError | undefined {
  if (!exchange.ok) {
    return new ConnectError(
      exchange.reason,
      `${what} failed: ${exchange.message}`,
      exchange.status,
    );
  }
  if (exchange.status >= 200 && exchange.status < 300) return undefined;
  const reason =
    exchange.status === 401
      ? 'unauthorized'
      : exchange.status === 429
        ? 'rate_limited'
        : 'unexpected_status';
  return new ConnectError(reason, `${what} answered HTTP ${exchange.status}`, exchange.status);
}

/** `POST /api/v2/notifications/channels` (docs/protocols.md §2.1), validated. */
export async function createChannel(
  apiUrl: string,
  tokens: TokenSource | undefined,
  timeoutMs: number,
  policy: RolloverPolicy,
  context: SessionContext,
): Promise<NotificationChannel> {
  const exchange = await requestWithCredential(
    {
      url: `${apiUrl}/api/v2/notifications/channels`,
      method: 'POST',
      headers: { accept: 'application/json' },
      followRedirects: false,
    },
    tokens,
    { signal: context.signal, timeoutMs, log: context.log },
  );
  const failure = restFailure(exchange, 'channel creation');
  if (failure !== undefined) throw failure;
  const body = exchange.ok ? parseJsonBody(exchange.body)?.value : undefined;
  const parsed = channelSchema.safeParse(body);
  if (!parsed.success) {
    throw new ConnectError('invalid_json', 'channel creation answered without a valid Channel');
  }
  const now = Date.now();
  const { delayMs, from } = rolloverDelay(parsed.data.expires, now, policy);
  context.log.info('created a notification channel', {
    rollover_in_s: Math.round(delayMs / 1000),
    rollover_from: from,
  });
  return {
    id: parsed.data.id,
    connectUri: parsed.data.connectUri,
    rolloverAt: now + delayMs,
    rolloverFrom: from,
    // The token just used is the cached one; the channel lives no longer than it (§2.4).
    tokenExpiresAt: tokens?.cachedExpiryMs(),
  };
}

/**
 * `HEAD /api/v2/notifications/channels/{id}` (docs/protocols.md §2.1): false when Genesys says
 * the channel is gone (404), true when it lives (200), undefined when the check itself failed
 * and the upgrade should decide.
 */
export async function channelAlive(
  apiUrl: string,
  channelId: string,
  tokens: TokenSource | undefined,
  timeoutMs: number,
  context: SessionContext,
): Promise<boolean | undefined> {
  const exchange = await requestWithCredential(
    {
      url: `${apiUrl}/api/v2/notifications/channels/${encodeURIComponent(channelId)}`,
      method: 'HEAD',
      headers: { accept: 'application/json' },
      followRedirects: false,
    },
    tokens,
    { signal: context.signal, timeoutMs, log: context.log },
  );
  if (!exchange.ok) return undefined;
  if (exchange.status === 404) return false;
  return exchange.status === 200 ? true : undefined;
}
