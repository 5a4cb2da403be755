import { reasonOfCloseCode } from './session/close-code-reason.ts';
import type WebSocket from 'ws';
import { reorderL16, type ByteOrder } from '../audio/codec.ts';
import type { VoicegatewayListenTarget } from '../kinds/voicegateway-listen/schema.ts';
import {
  createAudioPipes,
  type AudioFormat,
  type InboundAudio,
  type OutboundAudio,
} from './audio/streams.ts';
import type { ProberDeps } from './deps.ts';
import { startControlPings } from './session/pingers.ts';
import { SocketSession } from './session/socket-session.ts';
import { rawText } from './session/steps.ts';
import type { SessionContext, SessionProtocol } from './session/types.ts';
import type { SessionEnd } from '../events/probe-event.ts';
import { connectWebSocket } from './session/ws-connect.ts';
import { parseCommand } from './voicegateway-listen/commands.ts';
import { listenMetadata, probeCall } from './voicegateway-listen/metadata.ts';
import { GatewayPlayout } from './voicegateway-listen/playout.ts';

/** What jambonz deployments set (MOD_AUDIO_FORK_SUBPROTOCOL_NAME), docs/protocols.md §5.4. */
export const DEFAULT_LISTEN_SUBPROTOCOL = 'audio.jambonz.org';
/** FreeSWITCH hands mod_audio_fork host-order (little-endian) PCM, docs/protocols.md §5.4. */
export const DEFAULT_L16_BYTE_ORDER = 'little';
const DEFAULTS = { sessionLengthMs: 20_000, frameMs: 20, sampleRate: 8000 };
/**
 * Largest frame taken by default: room for the biggest `playAudio` we play (4 MiB of audio is
 * 5.6 MB of base64), so a long clip jambonz would play is measured, not cut with 1009.
 */
export const LISTEN_MAX_PAYLOAD = 6 * 1024 * 1024;

/**
 * `kind: voicegateway-listen` — plays Cognigy Voice Gateway (jambonz) running a `listen` verb
 * toward your audio server (docs/protocols.md §5.4): the configured subprotocol, the metadata
 * text frame (call info with the verb metadata merged at the top level), then L16 frames at
 * real-time cadence. Audio coming back — streamed binary or `playAudio` clips, played one after
 * another and answered with `playDone` — gets the same receive-path measurements as AudioHook:
 * jitter, loss, gaps, turn latency, MOS. Every command is validated before use.
 */
export function createListenProtocol(
  target: VoicegatewayListenTarget,
  deps: ProberDeps,
): SessionProtocol {
  const interval = target.interval;
  const subprotocol = target.subprotocol ?? DEFAULT_LISTEN_SUBPROTOCOL;
  const byteOrder: ByteOrder =
    (target.l16_byte_order ?? DEFAULT_L16_BYTE_ORDER) === 'big' ? 'be' : 'le';
  const call = probeCall();
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
        protocols: [subprotocol],
        headers,
        timeoutMs: target.timeout,
        maxPayload: target.max_payload ?? LISTEN_MAX_PAYLOAD,
        insecureSkipVerify: target.tls?.insecure_skip_verify ?? false,
        ...(ca === undefined ? {} : { ca }),
        signal: context.signal,
      });
      if (socket.protocol !== subprotocol) context.emit({ type: 'violation', kind: 'subprotocol' });
      socket.send(
        JSON.stringify(
          listenMetadata({
            call,
            sampleRate: rate,
            mixType: target.mix_type ?? 'mono',
            metadata: target.metadata,
          }),
        ),
      );
      context.emit({
        type: 'connected',
        phases: { ...phases, protocol_open: (performance.now() - started) / 1000 },
      });
      context.emit({ type: 'health', healthy: true, detail: 'streaming' });

      const format: AudioFormat = { codec: 'L16', channels, rate };
      const frameMs = target.frame_duration ?? DEFAULTS.frameMs;
      // The pipes speak little-endian L16; the wire order is swapped here both ways.
      const wire =
        byteOrder === 'le'
          ? socket
          : {
              get readyState() {
                return socket.readyState;
              },
              OPEN: socket.OPEN,
              send: (frame: Buffer) => {
                socket.send(reorderL16(frame, 'le', byteOrder));
              },
            };
      const { outbound, inbound } = createAudioPipes({
        format,
        frameMs,
        target,
        emit: context.emit,
        socket: wire,
      });
      return new ListenSession(socket, context, {
        sessionLengthMs: target.session_length ?? DEFAULTS.sessionLengthMs,
        nextSessionInMs: () => Math.max(0, interval - (performance.now() - sessionStarted)),
        ping: target.ping,
        outbound,
        inbound,
        format,
        byteOrder,
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
  format: AudioFormat;
  byteOrder: ByteOrder;
}

/** One `listen` stream; we play the gateway, so we hang up (1000) when the session length is up. */
class ListenSession extends SocketSession {
  private readonly playout: GatewayPlayout;

  constructor(
    socket: WebSocket,
    private readonly context: SessionContext,
    private readonly options: ListenSessionOptions,
  ) {
    super(socket);
    const { outbound, inbound, format, byteOrder } = options;
    this.playout = new GatewayPlayout({
      send: (event) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      },
      clipStarted: (pcm, rate) => {
        inbound.clip(pcm, rate);
      },
      violation: (kind) => {
        context.emit({ type: 'violation', kind });
      },
    });
    const bytesPerMs = (format.rate * format.channels * 2) / 1000;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const frame = Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.isBuffer(data)
            ? data
            : Buffer.from(data);
        this.playout.streamed(frame.length / bytesPerMs);
        inbound.frame(byteOrder === 'le' ? frame : reorderL16(frame, byteOrder, 'le'));
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
    startControlPings(this, options.ping, context.emit);
    this.onEnd(() => {
      clearTimeout(length);
      this.playout.dispose();
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
      reason: reasonOfCloseCode(code) ?? 'server_close',
      abnormal: true,
      message,
    };
  }

  /** A command from the application server, validated first (docs/protocols.md §5.4). */
  private onText(text: string): void {
    const parsed = parseCommand(text, this.options.byteOrder);
    if ('violation' in parsed) {
      this.context.emit({ type: 'violation', kind: parsed.violation });
      return;
    }
    const command = parsed.command;
    switch (command.type) {
      case 'playAudio':
        this.playout.play(
          { id: command.id, pcm: command.pcm, rate: command.rate },
          command.queuePlay,
        );
        return;
      case 'killAudio':
        this.playout.kill();
        return;
      case 'mark':
        this.playout.mark(command.name);
        return;
      case 'clearMarks':
        this.playout.clearMarks();
        return;
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
        return;
      case 'error':
        // jambonz ends the listen verb on an application `error` (TaskListen._onError).
        this.finish(
          {
            code: 1000,
            reason: 'server_error',
            abnormal: true,
            message: 'server sent error',
            nextInMs: this.options.nextSessionInMs(),
          },
          { code: 1000, reason: 'error' },
        );
        return;
      case 'ignored':
        return;
    }
  }
}
