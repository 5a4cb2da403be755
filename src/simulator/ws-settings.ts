import { DEFAULT_AUDIOHOOK_KEYS, MAX_DELAY_MS, SIMULATOR_DEFAULTS } from './core/defaults.ts';
import type { WsPlatformSettings } from './ws-platforms.ts';

/** Start-up options of the persistent-connection endpoints. */
export interface WsOptions {
  /**
   * Lifetime of a Genesys notification channel in seconds; fractions allowed (for tests).
   * @default 86400
   */
  channelTtlSeconds?: number;
  /** Genesys notification heartbeat period in milliseconds. @default 30000 */
  heartbeatIntervalMs?: number;
  /** Genesys channels per OAuth client; creating one more evicts one. @default 20 */
  maxChannelsPerClient?: number;
  /** Topics per Genesys channel. @default 1000 */
  maxTopicsPerChannel?: number;
  /** Socket.IO path of the Cognigy endpoint. @default '/socket.io' */
  cognigySocketPath?: string;
  /** Engine.IO ping interval of the Cognigy endpoint, ms. @default 25000 */
  socketIoPingIntervalMs?: number;
  /** Engine.IO ping timeout of the Cognigy endpoint, ms. @default 20000 */
  socketIoPingTimeoutMs?: number;
  /**
   * How long the Cognigy endpoint waits for an ack: of its `handshake` event (inner-handshake
   * mode) and, in `emitWithAck` sessions, of each `output` / `finalPing`, ms. @default 2000
   */
  cognigyAckTimeoutMs?: number;
  /** Pong delays kept per WebSocket endpoint and layer. @default 200000 */
  pongDelayCapacity?: number;
  /**
   * AudioHook API keys: API key → base64 client secret. A key with an empty secret may connect
   * without a signature. @default DEFAULT_AUDIOHOOK_KEYS (the reference sample credentials)
   */
  audiohookKeys?: Readonly<Record<string, string>>;
  /**
   * AudioHook media selection: prefer a stereo offer. Otherwise a mono `external` offer is
   * preferred; either way the first usable offer is the fallback. @default false
   */
  audiohookPreferStereo?: boolean;
  /** jambonz `listen` `wsAuth`: when set, upgrades need these Basic credentials. */
  listenBasicAuth?: { username: string; password: string };
  /** Audio frame records kept per audio endpoint (`GET /-/sim/audio/frames`). @default 200000 */
  audioFrameCapacity?: number;
}

/** Upper bound of a channel TTL: setTimeout fires after 1 ms beyond 2^31-1 ms (24.8 days). */
const MAX_CHANNEL_TTL_SECONDS = 2_000_000;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** A delay Node's timers can hold: at most MAX_DELAY_MS. */
function atMostMaxDelay(name: string, value: number): number {
  if (value > MAX_DELAY_MS) {
    throw new RangeError(`${name} must be at most ${MAX_DELAY_MS}, got ${value}`);
  }
  return value;
}

/**
 * Applies defaults to {@link WsOptions} and validates them.
 *
 * @throws {RangeError} for a value out of range or a path that is not absolute.
 */
export function resolveWsSettings(
  options: WsOptions,
): WsPlatformSettings & { pongDelayCapacity: number; audioFrameCapacity: number } {
  const d = SIMULATOR_DEFAULTS;
  const channelTtlSeconds = options.channelTtlSeconds ?? d.channelTtlSeconds;
  if (!(channelTtlSeconds > 0 && channelTtlSeconds <= MAX_CHANNEL_TTL_SECONDS)) {
    throw new RangeError(
      `channelTtlSeconds must be in (0, ${MAX_CHANNEL_TTL_SECONDS}], got ${channelTtlSeconds}`,
    );
  }
  const path = options.cognigySocketPath ?? d.cognigySocketPath;
  if (!/^\/[^?#]*[^/?#]$/.test(path)) {
    throw new RangeError(`cognigySocketPath must be an absolute path, got ${path}`);
  }
  const int = (name: keyof WsOptions & keyof typeof d): number => {
    const value = options[name] ?? d[name];
    if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
    return positiveInteger(name, value);
  };
  return {
    channels: {
      ttlMs: channelTtlSeconds * 1000,
      maxPerClient: int('maxChannelsPerClient'),
      maxTopics: int('maxTopicsPerChannel'),
    },
    heartbeatIntervalMs: int('heartbeatIntervalMs'),
    cognigy: {
      path,
      pingIntervalMs: int('socketIoPingIntervalMs'),
      pingTimeoutMs: int('socketIoPingTimeoutMs'),
      ackTimeoutMs: atMostMaxDelay('cognigyAckTimeoutMs', int('cognigyAckTimeoutMs')),
    },
    pongDelayCapacity: int('pongDelayCapacity'),
    audioFrameCapacity: int('audioFrameCapacity'),
    audiohook: {
      keys: audiohookKeys(options.audiohookKeys ?? DEFAULT_AUDIOHOOK_KEYS),
      preferStereo: options.audiohookPreferStereo ?? false,
    },
    listen: listenOptions(options.listenBasicAuth),
  };
}

function audiohookKeys(keys: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [apiKey, secret] of Object.entries(keys)) {
    if (!/^[a-zA-Z0-9+/_-]+={0,2}$/.test(apiKey)) {
      throw new RangeError(`audiohookKeys: invalid API key ${JSON.stringify(apiKey)}`);
    }
    if (typeof secret !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(secret)) {
      throw new RangeError(`audiohookKeys: the secret of ${apiKey} must be base64 (or empty)`);
    }
    map.set(apiKey, secret);
  }
  return map;
}

function listenOptions(auth: WsOptions['listenBasicAuth']): WsPlatformSettings['listen'] {
  if (auth === undefined) return {};
  if (typeof auth.username !== 'string' || auth.username === '' || auth.username.includes(':')) {
    throw new RangeError('listenBasicAuth.username must be a non-empty string without ":"');
  }
  if (typeof auth.password !== 'string') {
    throw new RangeError('listenBasicAuth.password must be a string');
  }
  return { basicAuth: { username: auth.username, password: auth.password } };
}
