import { randomBytes } from 'node:crypto';

/** Why a channel went away. */
export type ChannelRemoval = 'evicted' | 'expired';

/** A Genesys notification channel (docs/protocols.md §2.2). */
export interface Channel {
  /** `streaming-0-<random>`; also the credential of the WebSocket URL. */
  readonly id: string;
  /** OAuth client that created it; the 20-channel limit is per client. */
  readonly clientId: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Epoch milliseconds of the last create, connect, subscription change or message. */
  lastUsedAt: number;
  readonly topics: Set<string>;
  /** True while a WebSocket is connected to the channel. */
  connected: boolean;
}

/** Limits of a {@link ChannelStore}. */
export interface ChannelLimits {
  ttlMs: number;
  maxPerClient: number;
  maxTopics: number;
}

/** Lower-case alphanumerics, the alphabet of real channel ids. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function channelId(): string {
  const bytes = randomBytes(26);
  let suffix = '';
  // Modulo bias does not matter for an opaque id.
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length] ?? 'a';
  return `streaming-0-${suffix}`;
}

/**
 * Notification channels with their topics, per-client limit (the 21st evicts the least
 * recently used, unconnected ones first) and TTL. One timer per channel ends it at expiry.
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

  /** Creates a channel for `clientId`, evicting one first when the client is at its limit. */
  create(clientId: string, now = Date.now()): Channel {
    const own = [...this.#channels.values()].filter((c) => c.clientId === clientId);
    if (own.length >= this.#limits.maxPerClient) {
      const victim = own.reduce((oldest, c) => (lessUsed(c, oldest) ? c : oldest));
      this.#remove(victim, 'evicted');
    }
    const channel: Channel = {
      id: channelId(),
      clientId,
      expiresAt: now + this.#limits.ttlMs,
      lastUsedAt: now,
      topics: new Set(),
      connected: false,
    };
    this.#channels.set(channel.id, channel);
    const timer = setTimeout(() => {
      this.#remove(channel, 'expired');
    }, this.#limits.ttlMs);
    timer.unref();
    this.#timers.set(channel.id, timer);
    return channel;
  }

  /** The live channel with this id, or undefined when unknown, evicted or expired. */
  get(id: string, now = Date.now()): Channel | undefined {
    const channel = this.#channels.get(id);
    if (channel === undefined) return undefined;
    // The timer may lag behind the clock by a few milliseconds; the clock wins.
    if (channel.expiresAt <= now) {
      this.#remove(channel, 'expired');
      return undefined;
    }
    return channel;
  }

  /**
   * Adds topics (or replaces them all with `replace`).
   *
   * @returns false, changing nothing, when the channel would exceed the topic limit.
   */
  subscribe(channel: Channel, topics: readonly string[], replace = false): boolean {
    const next = new Set(replace ? [] : channel.topics);
    for (const topic of topics) next.add(topic);
    if (next.size > this.#limits.maxTopics) return false;
    channel.topics.clear();
    for (const topic of next) channel.topics.add(topic);
    channel.lastUsedAt = Date.now();
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
