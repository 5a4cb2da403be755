import { randomUUID } from 'node:crypto';
import {
  bytesPerSampleFrame,
  CallerTurns,
  DEFAULT_BURST_MS,
  DEFAULT_SILENCE_MS,
  durationMs,
  isoDuration,
  toneFrame,
  type AudioLayout,
} from '../../core/audio/audio-frames.ts';
import type { FrameSender } from '../../core/audio/frame-sender.ts';
import type { WsCounter } from '../../core/truth/truth-shape.ts';
import type { Behaviour } from './behaviour.ts';

/** A transcript `event` per this much received audio, monitor mode. */
const TRANSCRIPT_EVERY_MS = 2_000;
/** Largest bot audio message, bytes, as the Audio Connector sample server sends them. */
export const MAX_BOT_MESSAGE_BYTES = 64_000;

/** What the bot needs of its session. */
export interface BotSession {
  /** Audio back to the client, through the frame faults. */
  readonly sender: FrameSender;
  /** True when an unsolicited message may go out now. */
  canSend(): boolean;
  /** Sends a server message with the session's next `seq`. */
  send(type: string, parameters: Record<string, unknown>): void;
  count(counter: WsCounter): void;
}

/**
 * What the server does with the caller's audio once the stream is open. On the monitor
 * (AudioHook) route: a transcript `event` per {@link TRANSCRIPT_EVERY_MS} of audio. On the Audio
 * Connector route: every frame echoed, or with `botMode: "bursts"` each caller turn (speech,
 * then `silenceMs` of silence) answered by a tone of `burstMs` and a transcript.
 */
export class AudiohookBot {
  readonly #session: BotSession;
  readonly #connector: boolean;
  #mode: 'echo' | 'bursts' = 'echo';
  #burstMs = DEFAULT_BURST_MS;
  /** Bot turns of the `bursts` mode, once a media is selected. */
  #turns: CallerTurns | undefined;
  #receivedMs = 0;
  #nextTranscriptMs = TRANSCRIPT_EVERY_MS;
  #toneSample = 0;

  /** @param connector Audio Connector route: audio goes back. */
  constructor(session: BotSession, connector: boolean) {
    this.#session = session;
    this.#connector = connector;
  }

  /** Reads the bot settings of the client's `customConfig`, once `open` selected a media. */
  configure(behaviour: Behaviour, layout: AudioLayout | undefined): void {
    if (!this.#connector) return;
    if (behaviour.botMode === 'bursts') this.#mode = 'bursts';
    const silence = behaviour.silenceMs ?? behaviour.silence_ms ?? DEFAULT_SILENCE_MS;
    const burst = behaviour.burstMs ?? behaviour.burst_ms;
    if (layout !== undefined) this.#turns = new CallerTurns(layout, silence);
    if (burst !== undefined) this.#burstMs = burst;
  }

  /** One valid caller frame of an open, streaming session, arrived at `now`. */
  audio(frame: Buffer, layout: AudioLayout, now: number): void {
    if (!this.#connector) {
      this.#transcribe(durationMs(frame.length, layout));
      return;
    }
    if (this.#mode === 'echo') {
      this.#session.sender.audio('echo', frame, now);
      return;
    }
    if (this.#turns?.feed(frame) === true) this.#burst(layout, now);
  }

  /** Monitor mode: one transcript `event` per {@link TRANSCRIPT_EVERY_MS} of audio received. */
  #transcribe(frameMs: number): void {
    this.#receivedMs += frameMs;
    while (this.#receivedMs >= this.#nextTranscriptMs) {
      const offset = this.#nextTranscriptMs - TRANSCRIPT_EVERY_MS;
      this.#nextTranscriptMs += TRANSCRIPT_EVERY_MS;
      this.#sendTranscript(offset, TRANSCRIPT_EVERY_MS);
    }
  }

  #sendTranscript(offsetMs: number, lengthMs: number): void {
    if (!this.#session.canSend()) return;
    this.#session.count('events_sent');
    this.#session.send('event', {
      entities: [
        {
          type: 'transcript',
          data: {
            id: randomUUID(),
            channelId: 0,
            isFinal: true,
            offset: isoDuration(offsetMs),
            duration: isoDuration(lengthMs),
            alternatives: [
              {
                confidence: 0.9,
                interpretations: [{ type: 'display', transcript: 'hello' }],
              },
            ],
          },
        },
      ],
    });
  }

  /**
   * A bot turn: a tone of `burstMs` and a transcript. The audio goes out at once, in messages of
   * at most {@link MAX_BOT_MESSAGE_BYTES}, unpaced, as the Audio Connector sample server sends
   * its bot's audio (docs/protocols.md §3.11); each message goes through the frame faults.
   */
  #burst(layout: AudioLayout, turnAt: number): void {
    this.#session.count('bot_turns');
    this.#sendTranscript(this.#receivedMs, this.#burstMs);
    const samplesPerMessage = Math.floor(MAX_BOT_MESSAGE_BYTES / bytesPerSampleFrame(layout));
    let left = Math.round((this.#burstMs * layout.rate) / 1000);
    while (left > 0) {
      const samples = Math.min(left, samplesPerMessage);
      left -= samples;
      const frame = toneFrame(layout, samples, this.#toneSample);
      this.#toneSample += samples;
      this.#session.sender.audio('burst', frame, turnAt);
    }
  }
}
