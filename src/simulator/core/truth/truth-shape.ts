import type { EndpointKey, WsEndpointKey } from '../endpoint-keys.ts';
import type { ProtocolAction } from '../ws/session.ts';

// The JSON shape of `GET /-/sim/truth`: HTTP `endpoints` and persistent-connection
// `ws_endpoints`, with one delay summary type for both.

/** Kinds of injected fault, as counted in {@link EndpointTruth.injected}. */
export type InjectedFault = 'error' | 'rate_limit_storm' | 'slow' | 'malformed';

/** Summary of the delays the simulator scheduled, in milliseconds. */
export interface DelaySummary {
  count: number;
  sum: number;
  /** 0 while `count` is 0. */
  min: number;
  /** 0 while `count` is 0. */
  max: number;
}

/** Exact counters of one endpoint since start or the last reset. */
export interface EndpointTruth {
  /** Requests routed to the endpoint (counted on arrival). */
  requests: number;
  /** Answers written, by HTTP status (string keys, JSON-friendly). */
  responses: Record<string, number>;
  /** Faults injected, each counted once, when it is applied to a request. */
  injected: Record<InjectedFault, number>;
  /** 429s from the natural per-client limiter (Genesys API), not from storms. */
  rate_limited: number;
  /**
   * Total delay scheduled per answer (latency plus any slow extra); answers without a delay
   * are not counted. Values are the scheduled delays, not wall-clock measurements.
   */
  delay_ms: DelaySummary;
  /**
   * Requests whose client went away before the answer was written (for example a probe timing
   * out during a slow delay). `requests` = sum of `responses` + `aborted` + in flight.
   */
  aborted: number;
  /** Tokens issued; only on OAuth endpoints. */
  tokens_issued?: number;
  /**
   * Requests refused because they break the platform's contract, by stable reason (for example
   * `executionInfo.contactId: not an integer`); only on endpoints that validate requests.
   */
  rejected?: Record<string, number>;
}

/** Ground truth of the whole simulator (JSON-serialisable). */
export interface Truth {
  /** ISO time counting started: simulator start or the last reset. */
  started_at: string;
  endpoints: Record<EndpointKey, EndpointTruth>;
  /**
   * Persistent-connection endpoints, see {@link WsEndpointTruth}; the audio endpoints carry
   * all their fields ({@link WsEndpointTruths}).
   */
  ws_endpoints: WsEndpointTruths;
}

/** Faults counted in {@link WsEndpointTruth.injected}. */
export type WsInjectedFault =
  | 'drop'
  | 'close_1011'
  | 'maintenance'
  | 'stall'
  | 'refused_handshake'
  | ProtocolAction
  /** The `close` action, whatever its code (`closes.server_closed` has the code). */
  | 'close';

/** Why an AudioHook handshake signature was refused (docs/protocols.md §3.3). */
export const SIGNATURE_FAILURES = [
  'missing_header',
  'bad_signature',
  'expired',
  'nonce',
  'unknown_key',
] as const;

/** One reason of {@link SIGNATURE_FAILURES}. */
export type SignatureFailure = (typeof SIGNATURE_FAILURES)[number];

/** A delay summary of a persistent-connection endpoint; the same shape as the HTTP ones. */
export type WsDelaySummary = DelaySummary;

/**
 * Exact counters of one persistent-connection endpoint since start or the last reset.
 * `sessions_open` is a gauge: a reset keeps it.
 */
export interface WsEndpointTruth {
  handshakes: {
    /** Sessions the server accepted (WebSocket 101, or a Socket.IO connection). */
    accepted: number;
    /**
     * Refused handshakes by HTTP status (`"401"`, `"404"`, …); `connect_error` counts
     * Socket.IO connections rejected by the middleware (unknown URL token).
     * Cognigy also: `bad_query` (no `userId` / `sessionId`), and in inner-handshake mode
     * `bad_handshake` (malformed ack), `handshake_timeout` (no ack), `connect_error` (unknown
     * token in the ack).
     */
    refused: Record<string, number>;
  };
  sessions_opened: number;
  sessions_open: number;
  /**
   * Ended sessions, once each. `server_closed` when the simulator decided the end, by the code
   * it used (`"1006"` for a drop); `client_closed` otherwise, by the close code the server saw
   * (WebSocket) or the Socket.IO disconnect reason (`cognigy_socket`).
   */
  closes: { client_closed: Record<string, number>; server_closed: Record<string, number> };
  /** Faults applied, each once, whether from an action or from a `*_every_ms` fault. */
  injected: Record<WsInjectedFault, number>;
  /** RFC 6455 pings received (Engine.IO v3 pings for `cognigy_socket`). */
  pings_received: number;
  pongs_sent: number;
  /** Pings left unanswered because the session was stalled or half-open. */
  pings_unanswered: number;
  /**
   * Application pings: Genesys `{"message":"ping"}`, AudioHook `ping`, every message sent to
   * `ws_echo`.
   */
  app_pings: number;
  /** Application pongs: Genesys `pong` frames, AudioHook `pong`, echoed messages. */
  app_pongs: number;
  app_pings_unanswered: number;
  /** Genesys heartbeats; Engine.IO v4 server pings for `cognigy_socket`. */
  heartbeats_sent: number;
  /** Applied pong delays by layer (see `GET /-/sim/ws/pong-delays` for every value). */
  pong_delay_ms: { control: WsDelaySummary; application: WsDelaySummary };
  /** Genesys: channels created over REST. */
  channels_created?: number;
  /** Genesys: channels removed because a client created more than the limit. */
  channels_evicted?: number;
  /** Genesys: channels removed because their TTL passed. */
  channels_expired?: number;
  /** Genesys: successful subscription changes (REST `PUT`/`POST`, socket `subscribe`). */
  subscriptions?: number;
  /** Genesys: channels removed because the token that created them expired. */
  channels_token_expired?: number;
  /**
   * Genesys: REST notification calls rejected, by reason (see `GENESYS_REST_REJECTIONS`):
   * each is also in `endpoints.genesys_channels.responses` by status.
   */
  rest_rejections?: Record<string, number>;
  /**
   * Genesys: messages answered `{"result":"400"}` (not JSON, unknown). Audio endpoints: text
   * messages that were not valid JSON, had a bad envelope or an unexpected type.
   */
  bad_messages?: number;
  /** Cognigy: `processInput` events received. */
  inputs?: number;
  /** Cognigy: `output` events sent, errors included. */
  outputs?: number;
  /**
   * Cognigy: `processInput` events rejected (answered with an `error` output), by reason:
   * `not_object`, `bad_field`, `url_token`, `user_id`, `session_id`, `empty`.
   */
  rejected_inputs?: Record<string, number>;
  /** Cognigy, `emitWithAck` sessions: `output`/`finalPing` acks received, and missed (2 s). */
  acks_received?: number;
  acks_missing?: number;
  /** Cognigy: inner handshakes completed (`handshake` acked with valid session ids). */
  inner_handshakes?: number;

  // Audio endpoints (`audiohook`, `listen`). Every frame is also in `GET /-/sim/audio/frames`.
  /**
   * Audio: streams opened: AudioHook `opened` sent with a media item, jambonz metadata accepted.
   * Connection probes are counted in `connection_probes` instead.
   */
  streams_opened?: number;
  /** Audio: binary frames received from the client, early ones included. */
  frames_received?: number;
  /** Audio: binary frames before AudioHook `opened` or before the jambonz metadata. */
  early_audio?: number;
  /** Audio: frames (jambonz `playAudio` messages included) written back to the client. */
  frames_sent?: number;
  /** Audio: frames dropped by `frame_loss_rate`. */
  frames_dropped?: number;
  /** Audio: frames losses started (each drops `frame_loss_burst` frames, or fewer at the end). */
  frame_loss_bursts?: number;
  /** Audio: frames whose drawn `frame_delay` was above 0. */
  frames_delayed?: number;
  /**
   * Audio: frames never written although not dropped: the session ended, was stalled or had
   * closed (AudioHook `closed`), or the client sent `killAudio`, before their send time.
   */
  frames_unsent?: number;
  /** Audio: drawn `frame_delay` of every frame not dropped, 0 values included. */
  frame_delay_ms?: WsDelaySummary;
  /** Audio: bot turns answered (bursts, streamed audio, `playAudio`) after caller silence. */
  bot_turns?: number;
  /** AudioHook: handshakes refused (401) by signature check, by reason. */
  signature_failures?: Record<SignatureFailure, number>;
  /** AudioHook: `open`s answered with an empty media list (zero conversation and participant). */
  connection_probes?: number;
  /** AudioHook: `close` transactions completed (`closed` sent). */
  close_transactions?: number;
  /** AudioHook: client messages whose `seq` was not the previous one plus 1. */
  seq_violations?: number;
  /** AudioHook: `event` messages sent (transcripts). */
  events_sent?: number;
  /** AudioHook: `disconnect` messages sent, whatever the reason. */
  disconnects_sent?: number;
  /** AudioHook: `open` whose organization id differs from the handshake header. */
  unauthorized_opens?: number;
  /** AudioHook: text messages above 64 KiB, answered `disconnect {reason:"error"}`. */
  oversize_messages?: number;
  /** AudioHook: client `paused`, `resumed`, `discarded`, `update` and `error` messages. */
  paused?: number;
  resumed?: number;
  discarded?: number;
  updates?: number;
  client_errors?: number;
  /**
   * AudioHook: client messages and audio rejected with `disconnect {reason:"error"}` (or, once
   * the client is closing, only counted), by reason (docs/protocols.md §10.3).
   */
  rejections?: Record<string, number>;
  /** AudioHook: server `pause`, `resume` and `reconnect` messages sent (session behaviours). */
  pauses_sent?: number;
  resumes_sent?: number;
  reconnects_sent?: number;
  /** AudioHook: `open`s and `close`s deliberately left unanswered (`openFault`/`closeFault`). */
  opens_unanswered?: number;
  closes_unanswered?: number;
  /** AudioHook: `discarded` durations the client reported, ms. */
  discarded_ms?: WsDelaySummary;
  /** AudioHook: `resumed.discarded` durations the client reported (time paused), ms. */
  resumed_discarded_ms?: WsDelaySummary;
  /** jambonz: `playAudio` messages sent, and `playDone` received. */
  play_audio_sent?: number;
  play_done_received?: number;
  /** jambonz: turns not answered because 10 `playAudio` were waiting for `playDone`. */
  play_audio_skipped?: number;
  /** jambonz: `mark` events from the gateway answering our marks: `playout`, `cleared`. */
  marks_played?: number;
  marks_cleared?: number;
  /**
   * jambonz: `kill_audio_sent` counts `killAudio` we sent (action or `?then=killAudio`).
   * `kill_audio_received` stays 0: a gateway sending `killAudio` is rejected (`unexpected_text`).
   */
  kill_audio_received?: number;
  kill_audio_sent?: number;
  /** jambonz: stays 0 — jambonz closes the socket; a `disconnect` text from it is rejected. */
  client_disconnects?: number;
  /** jambonz: `mark` and `clearMarks` commands sent to the gateway (docs/protocols.md §5.4). */
  marks_sent?: number;
  clear_marks_sent?: number;
  /** jambonz: gateways rejected for breaking the protocol, by reason (docs/protocols.md §10.7). */
  listen_rejections?: Record<string, number>;
}

/** Counters every audio endpoint (`audiohook`, `listen`) has. */
type AudioField =
  | 'streams_opened'
  | 'frames_received'
  | 'early_audio'
  | 'frames_sent'
  | 'frames_dropped'
  | 'frame_loss_bursts'
  | 'frames_delayed'
  | 'frames_unsent'
  | 'frame_delay_ms'
  | 'bot_turns'
  | 'bad_messages';

/** Ground truth of the AudioHook endpoint: every audio and AudioHook field is present. */
export type AudiohookTruth = WsEndpointTruth &
  Required<
    Pick<
      WsEndpointTruth,
      | AudioField
      | 'signature_failures'
      | 'connection_probes'
      | 'close_transactions'
      | 'seq_violations'
      | 'events_sent'
      | 'disconnects_sent'
      | 'unauthorized_opens'
      | 'oversize_messages'
      | 'paused'
      | 'resumed'
      | 'discarded'
      | 'updates'
      | 'client_errors'
      | 'rejections'
      | 'pauses_sent'
      | 'resumes_sent'
      | 'reconnects_sent'
      | 'opens_unanswered'
      | 'closes_unanswered'
      | 'discarded_ms'
      | 'resumed_discarded_ms'
    >
  >;

/** Ground truth of the jambonz `listen` endpoint: every audio and `listen` field is present. */
export type ListenTruth = WsEndpointTruth &
  Required<
    Pick<
      WsEndpointTruth,
      | AudioField
      | 'play_audio_sent'
      | 'play_done_received'
      | 'play_audio_skipped'
      | 'marks_played'
      | 'marks_cleared'
      | 'kill_audio_received'
      | 'kill_audio_sent'
      | 'client_disconnects'
      | 'marks_sent'
      | 'clear_marks_sent'
      | 'listen_rejections'
    >
  >;

/** Ground truth of every WebSocket endpoint, typed per endpoint. */
export type WsEndpointTruths = {
  [K in WsEndpointKey]: K extends 'audiohook'
    ? AudiohookTruth
    : K extends 'listen'
      ? ListenTruth
      : WsEndpointTruth;
};

/** Plain counters of {@link WsEndpointTruth}, for {@link TruthRecorder.wsCount}. */
export type WsCounter = {
  [K in keyof WsEndpointTruth]-?: NonNullable<WsEndpointTruth[K]> extends number ? K : never;
}[keyof WsEndpointTruth];
