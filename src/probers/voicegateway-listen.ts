import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { Target } from '../config/load.ts';
import {
  createAudioPipes,
  type AudioFormat,
  type InboundAudio,
  type OutboundAudio,
} from './audio/streams.ts';
import { isRecord } from './audiohook/messages.ts';
import type { ProberDeps } from './deps.ts';
import { startControlPings } from './session/pingers.ts';
import { SocketSession } from './session/socket-session.ts';
import { rawText } from './session/steps.ts';
import type { SessionContext, SessionEnd, SessionProtocol } from './session/types.ts';
import { connectWebSocket } from './session/ws-connect.ts';

type ListenTarget = Extract<Target, { kind: 'voicegateway-listen' }>;

const SUBPROTOCOL = 'audio.jambonz.org';
const DEFAULTS = { sessionLengthMs: 20_000, frameMs: 20, sampleRate: 8000 };

/**
 * `kind: voicegateway-listen` — plays Cognigy Voice Gateway (jambonz) running a `listen` verb
 * toward your audio server: subprotocol `audio.jambonz.org`, the metadata text frame, then L16
 * frames at real-time cadence. Audio coming back — streamed binary or `playAudio` messages
 * (answered with `playDone` once "played") — gets the same receive-path measurements as
 * AudioHook: jitter, loss, gaps, turn latency, MOS.
 */
export function createListenProtocol(target: ListenTarget, deps: ProberDeps): SessionProtocol {
  const interval = target.interval;
  return {
    async open(context) {
      const sessionStarted = performance.now();
      const rate = target.sample_rate ?? DEFAULTS.sampleRate;
      const channels = target.mix_type === 'stereo' ? 2 : 1;
      const headers: Record<string, string> = {};
      if (target.basic_auth !== undefined) {
        const { username, password } = target.basic_auth;
        headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
      }
      const ca = await deps.readCa(target.tls?.ca_file);
      const started = performance.now();
      const { socket, phases } = await connectWebSocket({
        url: target.url,
        protocols: [SUBPROTOCOL],
        headers,
        timeoutMs: target.timeout,
        ...(target.max_payload === undefined ? {} : { maxPayload: target.max_payload }),
        insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
        ...(ca === undefined ? {} : { ca }),
        signal: context.signal,
      });
      if (socket.protocol !== SUBPROTOCOL) context.audio.violation('subprotocol');
      const callSid = randomUUID();
      socket.send(
        JSON.stringify({
          callSid,
          direction: 'inbound',
          from: '+15550100',
          to: '+15550199',
          callId: randomUUID(),
          sampleRate: rate,
          mixType: target.mix_type ?? 'mono',
          ...(target.metadata === undefined ? {} : { metadata: target.metadata }),
        }),
      );
      context.events.connected({ ...phases, protocol_open: (performance.now() - started) / 1000 });
      context.events.healthy(true, 'streaming');

      const format: AudioFormat = { codec: 'L16', channels, rate };
      const frameMs = target.frame_duration ?? DEFAULTS.frameMs;
      const { outbound, inbound } = createAudioPipes({
        format,
        frameMs,
        target,
        events: context.audio,
        socket,
      });
      return new ListenSession(socket, context, {
        sessionLengthMs: target.session_length ?? DEFAULTS.sessionLengthMs,
        nextSessionInMs: () => Math.max(0, interval - (performance.now() - sessionStarted)),
        ping: target.ping,
        outbound,
        inbound,
        rate,
      });
    },
  };
}

interface ListenSessionOptions {
  sessionLengthMs: number;
  nextSessionInMs: () => number;
  ping: { interval: number; timeout: number } | undefined;
  outbound: OutboundAudio;
  inbound: InboundAudio;
  rate: number;
}

/** Most `playAudio` messages the gateway queues; more is the server's mistake. */
const MAX_QUEUED_PLAYS = 10;

/** One `listen` stream; we play the gateway, so we hang up (1000) when the session length is up. */
class ListenSession extends SocketSession {
  private readonly plays: NodeJS.Timeout[] = [];
  private playingUntil = 0;

  constructor(
    socket: WebSocket,
    private readonly context: SessionContext,
    private readonly options: ListenSessionOptions,
  ) {
    super(socket);
    const { outbound, inbound } = options;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        inbound.frame(
          Array.isArray(data)
            ? Buffer.concat(data)
            : Buffer.isBuffer(data)
              ? data
              : Buffer.from(data),
        );
      } else {
        this.onText(rawText(data));
      }
    });
    const length = setTimeout(() => {
      this.finish(
        {
          code: 1000,
          reason: 'completed',
          abnormal: false,
          message: 'session length reached',
          nextInMs: options.nextSessionInMs(),
        },
        { code: 1000, reason: 'call ended' },
      );
    }, options.sessionLengthMs);
    startControlPings(this, options.ping, context.events);
    this.onEnd(() => {
      clearTimeout(length);
      for (const play of this.plays) clearTimeout(play);
      outbound.stop();
      inbound.close(undefined);
    });
    outbound.start();
  }

  override close(): void {
    this.finish(
      { code: 1000, reason: 'shutdown', abnormal: false, message: 'closed by cxprobe' },
      { code: 1000, reason: 'cxprobe stopping' },
    );
  }

  /** A close we did not start is abnormal for `listen`: the gateway owns the call. */
  protected override classify(code: number, reasonText: string): SessionEnd {
    const message = `server closed with ${code}${reasonText === '' ? '' : ` (${reasonText})`}`;
    return {
      code,
      reason: code === 1006 ? 'abnormal_closure' : 'server_close',
      abnormal: true,
      message,
    };
  }

  private onText(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.context.audio.violation('not_json');
      return;
    }
    if (!isRecord(message)) {
      this.context.audio.violation('not_an_object');
      return;
    }
    const data = isRecord(message.data) ? message.data : {};
    switch (message.type) {
      case 'playAudio':
        this.play(data);
        break;
      case 'killAudio':
        for (const play of this.plays.splice(0)) clearTimeout(play);
        this.playingUntil = 0;
        break;
      case 'mark':
        this.socket.send(
          JSON.stringify({ type: 'mark', data: { name: data.name, event: 'playout' } }),
        );
        break;
      case 'disconnect':
        // The application hung up the listen: a normal end it chose, not a drop.
        this.finish(
          {
            code: 1000,
            reason: 'completed',
            abnormal: false,
            message: 'server sent disconnect',
            nextInMs: this.options.nextSessionInMs(),
          },
          { code: 1000, reason: 'disconnect' },
        );
        break;
      default:
        this.context.audio.violation('unknown_type');
    }
  }

  /** "Plays" a playAudio clip: times it like streamed audio, then answers playDone after its length. */
  private play(data: Record<string, unknown>): void {
    if (this.plays.length >= MAX_QUEUED_PLAYS) {
      this.context.audio.violation('play_queue_full');
      return;
    }
    const content =
      typeof data.audioContent === 'string'
        ? Buffer.from(data.audioContent, 'base64')
        : Buffer.alloc(0);
    const rate = Number(data.sampleRate ?? this.options.rate) || this.options.rate;
    // A WAV clip carries a 44-byte header; raw clips are bare 16-bit PCM.
    const pcm =
      data.audioContentType === 'wav' && content.length > 44 ? content.subarray(44) : content;
    this.options.inbound.clip(pcm, rate);
    const seconds = pcm.length / 2 / rate;
    const now = performance.now();
    this.playingUntil = Math.max(this.playingUntil, now) + seconds * 1000;
    const timer = setTimeout(() => {
      this.plays.splice(this.plays.indexOf(timer), 1);
      if (this.socket.readyState === this.socket.OPEN)
        this.socket.send(JSON.stringify({ type: 'playDone' }));
    }, this.playingUntil - now);
    this.plays.push(timer);
  }
}
