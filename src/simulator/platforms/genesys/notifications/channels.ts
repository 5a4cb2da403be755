import { randomBytes } from 'node:crypto';

/** Why a channel went away (docs/protocols.md §2.4). */
export type ChannelRemoval = 'evicted' | 'expired' | 'token_expired';

/** A Genesys notification channel (docs/protocols.md §2.2). */
export interface Channel {
  /** `streaming-0-<random>`; also the credential of the WebSocket URL. */
  readonly id: string;
  /** OAuth client that created it; the 20-channel limit is per client. */
  readonly clientId: string;
  /** Access token that created it: the channel dies with it (docs/protocols.md §2.4). */
  readonly token: string;
  /** Epoch milliseconds at which that token expires. */
  readonly tokenExpiresAt: number;
  /** Epoch milliseconds; a subscription change moves it (resubscribing extends the life). */
  expiresAt: number;
  /** Epoch milliseconds of the last create, connect, subscription change or message. */
  lastUsedAt: number;
  readonly topics: Set<string>;
  /** True while a WebSocket is connected to the channel. */
  connected: boolean;
}

/** The token a channel is created with. */
export interface ChannelOwner {
  clientId: string;
  token: string;
  tokenExpiresAt: number;
}

/** Limits of a {@link ChannelStore}. */
export interface ChannelLimits {
  ttlMs: number;
  maxPerClient: number;
  maxTopics: number;
}

/** Lower-case alphanumerics, the alphabet of real channel ids. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Node turns a longer timer into 1 ms; longer waits re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

function channelId(): string {
  const bytes = randomBytes(26);
  let suffix = '';
  // Modulo bias does not matter for an opaque id.
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length] ?? 'a';
  return `streaming-0-${suffix}`;
}

/** When a channel ends: its own expiry or its token's, whichever comes first. */
function endOf(channel: Channel): { at: number; why: ChannelRemoval } {
  return channel.tokenExpiresAt < channel.expiresAt
    ? { at: channel.tokenExpiresAt, why: 'token_expired' }
    : { at: channel.expiresAt, why: 'expired' };
}

/**
 * Notification channels with their topics, per-client limit (the 21st evicts the least
 * recently used, unconnected ones first), TTL and the life of the token that created them. One
 * timer per channel ends it at whichever expiry comes first.
 */
export class ChannelStore {
  readonly #limits: ChannelLimits;
  readonly #onRemoved: (channel: Channel, why: ChannelRemoval) => void;
  readonly #channels = new Map<string, Channel>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /** @param onRemoved called after a channel was evicted or expired (close its socket there). */
  constructor(limits: ChannelLimits, onRemoved: (channel: Channel, why: ChannelRemoval) => void) {
    this.#limits = limits;
    this.#onRemoved = onRemoved;
  }

  /** Limits in force. */
  get limits(): Readonly<ChannelLimits> {
    return this.#limits;
  }

  /** Creates a channel for `owner`, evicting one first when the client is at its limit. */
  create(owner: ChannelOwner, now = Date.now()): Channel {
    const own = this.list(owner.clientId, now);
    if (own.length >= this.#limits.maxPerClient) {
      const victim = own.reduce((oldest, c) => (lessUsed(c, oldest) ? c : oldest));
      this.#remove(victim, 'evicted');
    }
    const channel: Channel = {
      id: channelId(),
      clientId: owner.clientId,
      token: owner.token,
      tokenExpiresAt: owner.tokenExpiresAt,
      expiresAt: now + this.#limits.ttlMs,
      lastUsedAt: now,
      topics: new Set(),
      connected: false,
    };
    this.#channels.set(channel.id, channel);
    this.#arm(channel, now);
    return channel;
  }

  /** The live channel with this id, or undefined when unknown, evicted or expired. */
  get(id: string, now = Date.now()): Channel | undefined {
    const channel = this.#channels.get(id);
    if (channel === undefined) return undefined;
    // The timer may lag behind the clock by a few milliseconds; the clock wins.
    const end = endOf(channel);
    if (end.at <= now) {
      this.#remove(channel, end.why);
      return undefined;
    }
    return channel;
  }

  /** The live channels of one OAuth client, oldest first. */
  list(clientId: string, now = Date.now()): Channel[] {
    const ids = [...this.#channels.values()]
      .filter((c) => c.clientId === clientId)
      .map((c) => c.id);
    return ids.map((id) => this.get(id, now)).filter((c): c is Channel => c !== undefined);
  }

  /**
   * Adds topics (or replaces them all with `replace`) and extends the channel's life by its
   * TTL from now: resubscribing keeps a channel alive (docs/protocols.md §2.4).
   *
   * @returns false, changing nothing, when the channel would exceed the topic limit.
   */
  subscribe(
    channel: Channel,
    topics: readonly string[],
    replace = false,
    now = Date.now(),
  ): boolean {
    const next = new Set(replace ? [] : channel.topics);
    for (const topic of topics) next.add(topic);
    if (next.size > this.#limits.maxTopics) return false;
    channel.topics.clear();
    for (const topic of next) channel.topics.add(topic);
    channel.lastUsedAt = now;
    channel.expiresAt = now + this.#limits.ttlMs;
    this.#arm(channel, now);
    return true;
  }

  /** Removes topics, or all of them when `topics` is undefined. */
  unsubscribe(channel: Channel, topics?: readonly string[]): void {
    if (topics === undefined) channel.topics.clear();
    else for (const topic of topics) channel.topics.delete(topic);
    channel.lastUsedAt = Date.now();
  }

  /** Cancels every expiry timer and forgets every channel, without callbacks. */
  dispose(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#channels.clear();
  }

  /** (Re)starts the one timer of a channel, at whichever of its expiries comes first. */
  #arm(channel: Channel, now: number): void {
    clearTimeout(this.#timers.get(channel.id));
    const delay = Math.min(Math.max(0, endOf(channel).at - now), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(channel.id);
      // get() removes it when its time has come; a capped wait re-arms.
      if (this.get(channel.id) === channel) this.#arm(channel, Date.now());
    }, delay);
    timer.unref();
    this.#timers.set(channel.id, timer);
  }

  #remove(channel: Channel, why: ChannelRemoval): void {
    if (this.#channels.get(channel.id) !== channel) return;
    this.#channels.delete(channel.id);
    clearTimeout(this.#timers.get(channel.id));
    this.#timers.delete(channel.id);
    this.#onRemoved(channel, why);
  }
}

/** Eviction order: unconnected before connected, then least recently used. */
function lessUsed(a: Channel, b: Channel): boolean {
  if (a.connected !== b.connected) return !a.connected;
  return a.lastUsedAt < b.lastUsedAt;
}
