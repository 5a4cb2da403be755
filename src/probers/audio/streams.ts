import {
  bytesPerSample,
  decodeFrame,
  encodeFrame,
  reorderL16,
  samplesPerFrame,
  type ByteOrder,
} from '../../audio/codec.ts';
import { mos, oneWayDelayEstimateMs, rFactor } from '../../audio/emodel.ts';
import { InterarrivalJitter } from '../../audio/jitter.ts';
import { createFramePacer, type FramePacer } from '../../audio/pacer.ts';
import { PlayoutBuffer, type PlayoutStats } from '../../audio/playout.ts';
import {
  silenceSource,
  talkThenSilenceSource,
  toneSource,
  wavSource,
  type FrameSource,
} from '../../audio/sources.ts';
import { VoiceActivityDetector } from '../../audio/voice-activity.ts';
import { readWavFile, type WavAudio } from '../../audio/wav.ts';
import { ConnectError } from '../session/types.ts';
import type { Emit } from '../../events/probe-event.ts';

/** What goes over the wire: codec, channel count and sample rate. */
export interface AudioFormat {
  codec: 'PCMU' | 'L16';
  channels: number;
  rate: number;
}

/** The `audio` block of a target. */
export interface AudioSourceConfig {
  source?: 'tone' | 'silence' | 'wav' | 'talk';
  frequency_hz?: number;
  level_dbfs?: number;
  file?: string;
  talk?: number;
  pause?: number;
}

/** Our sending side: real-time frames from a source, paced on a drift-free grid. */
export interface OutboundAudio {
  start: () => void;
  stop: () => void;
  /**
   * Stream position, seconds (AudioHook `position`): media time sent, plus time paused and
   * discarded, because the position keeps advancing while no audio goes out
   * (docs/protocols.md §3.6).
   */
  readonly positionSeconds: number;
  /** When our last utterance ended (performance.now() ms), for turn latency. */
  lastUtteranceEnd: () => number | undefined;
}

/** What {@link createOutbound} builds: an {@link OutboundAudio} that can also pause and skip. */
export interface PausableOutboundAudio extends OutboundAudio {
  /** Media time actually put on the wire, seconds. */
  readonly sentSeconds: number;
  /** Keeps the clock running but sends nothing (AudioHook `pause`, `opened.startPaused`). */
  pause: () => void;
  /** Sends again after {@link pause}. */
  resume: () => void;
  readonly paused: boolean;
  /**
   * Jumps the position forward to `seconds`, floored to whole frames (AudioHook
   * `opened.discardTo`); returns the position skipped from and the length skipped, or
   * undefined when the position is already there.
   */
  discardTo: (seconds: number) => { startSeconds: number; discardedSeconds: number } | undefined;
}

/**
 * Streams audio from the configured source. `talk` (the default) alternates an utterance with a
 * pause, which is what makes a bot answer and turn latency measurable.
 */
export function createOutbound(options: {
  format: AudioFormat;
  frameMs: number;
  audio: AudioSourceConfig | undefined;
  emit: Emit;
  send: (frame: Buffer) => void;
  /** Mark each frame with its media position, for servers that echo our audio back. */
  tagFrames?: boolean;
}): PausableOutboundAudio {
  const { format, frameMs, emit } = options;
  const frameSamples = samplesPerFrame(format.rate, frameMs);
  const makeSource = () => buildSource(options.audio, format, frameSamples);
  let source = makeSource();
  let samplesSent = 0;
  /** Position in samples: what went out plus what was paused or discarded. */
  let positionSamples = 0;
  let paused = false;
  let utteranceEndedAt: number | undefined;
  let pacer: FramePacer | undefined;

  const onFrame = (lateness: number) => {
    if (paused) {
      positionSamples += frameSamples;
      return;
    }
    let frame = source.source.nextFrame();
    if (frame === undefined) {
      // A finished talk cycle (or a WAV that ended) starts over.
      source = makeSource();
      frame = source.source.nextFrame();
      if (frame === undefined) return;
    }
    const startPosition = source.source.position - (frame[0]?.length ?? 0);
    const sentAt = performance.now();
    const encoded = encodeFrame(format.codec, padChannels(frame, format.channels));
    if (options.tagFrames === true) writeTag(encoded, samplesSent);
    options.send(encoded);
    emit({ type: 'frame_sent', lateSeconds: lateness });
    samplesSent += frame[0]?.length ?? 0;
    positionSamples += frame[0]?.length ?? 0;
    const utteranceEnd = source.utteranceEndPosition;
    if (
      utteranceEnd !== undefined &&
      startPosition < utteranceEnd &&
      source.source.position >= utteranceEnd
    ) {
      utteranceEndedAt = sentAt + ((utteranceEnd - startPosition) / format.rate) * 1000;
    }
  };

  return {
    start() {
      if (pacer?.running === true) return;
      pacer = createFramePacer({
        frameMs,
        onFrame: (paced) => {
          onFrame(paced.latenessSeconds);
        },
        onError: () => undefined,
      });
      pacer.start();
    },
    stop() {
      pacer?.stop();
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    get paused() {
      return paused;
    },
    discardTo(seconds) {
      const target = Math.floor((seconds * format.rate) / frameSamples) * frameSamples;
      if (!Number.isFinite(target) || target <= positionSamples) return undefined;
      const start = positionSamples;
      positionSamples = target;
      return {
        startSeconds: start / format.rate,
        discardedSeconds: (target - start) / format.rate,
      };
    },
    get positionSeconds() {
      return positionSamples / format.rate;
    },
    get sentSeconds() {
      return samplesSent / format.rate;
    },
    lastUtteranceEnd: () => utteranceEndedAt,
  };
}

/**
 * The WAV of `source: wav`. The loader checked it (docs: README `audio`), but it may have gone
 * since: that ends the attempt with a stable reason (the runner releases its socket), never an
 * `internal` error with a socket left open.
 */
function readWav(file: string | undefined): WavAudio {
  try {
    if (file === undefined) throw new Error('no file configured');
    return readWavFile(file);
  } catch (error) {
    const detail =
      error instanceof Error &&
      'errno' in error &&
      'code' in error &&
      typeof error.code === 'string'
        ? error.code
        : error instanceof Error
          ? error.message
          : String(error);
    throw new ConnectError('audio_unreadable', `cannot play the WAV file: ${detail}`);
  }
}

function buildSource(
  audio: AudioSourceConfig | undefined,
  format: AudioFormat,
  frameSamples: number,
): { source: FrameSource; utteranceEndPosition: number | undefined } {
  const shape = {
    sampleRate: format.rate,
    samplesPerFrame: frameSamples,
    channels: format.channels,
  };
  const tone = { frequencyHz: audio?.frequency_hz ?? 440, levelDbfs: audio?.level_dbfs ?? -20 };
  switch (audio?.source ?? 'talk') {
    case 'tone':
      return {
        source: toneSource({
          ...shape,
          frequencyHz: audio?.frequency_hz ?? 1000,
          levelDbfs: tone.levelDbfs,
        }),
        utteranceEndPosition: undefined,
      };
    case 'silence':
      return { source: silenceSource(shape), utteranceEndPosition: undefined };
    case 'wav': {
      const wav = readWav(audio?.file);
      return {
        source: wavSource(wav, { samplesPerFrame: frameSamples, loop: true }),
        utteranceEndPosition: undefined,
      };
    }
    case 'talk': {
      const talk = talkThenSilenceSource({
        ...shape,
        utteranceMs: audio?.talk ?? 1_000,
        silenceMs: audio?.pause ?? 2_000,
        talk: tone,
      });
      return { source: talk, utteranceEndPosition: talk.utteranceEndPosition };
    }
  }
}

/** A mono WAV on a stereo stream plays on both channels; extra channels are dropped. */
function padChannels(frame: Int16Array[], channels: number): Int16Array[] {
  if (frame.length === channels) return frame;
  return Array.from(
    { length: channels },
    (_, index) => frame[index] ?? frame[0] ?? new Int16Array(0),
  );
}

/**
 * Echo frames carry their media position in their first 8 bytes ("CXP1" + uint32), so the
 * receiver can tell a lost frame from a late one. About 1 ms of noise per frame: only for echo
 * servers, never toward a real bot.
 */
const TAG_MAGIC = 0x43585031;
const TAG_BYTES = 8;

function writeTag(frame: Buffer, startSample: number): void {
  if (frame.length < TAG_BYTES * 2) return;
  frame.writeUInt32BE(TAG_MAGIC, 0);
  frame.writeUInt32BE(startSample >>> 0, 4);
}

function readTag(frame: Buffer): number | undefined {
  if (frame.length < TAG_BYTES * 2 || frame.readUInt32BE(0) !== TAG_MAGIC) return undefined;
  return frame.readUInt32BE(4);
}

/** Our receiving side. */
export interface InboundAudio {
  /** A binary frame arrived. */
  frame: (data: Buffer) => void;
  /** A whole clip arrived at once (jambonz `playAudio`): counts for turn latency only. */
  clip: (pcm: Buffer, rate: number) => void;
  /** The session ended: report loss and quality one last time. */
  close: (rttSeconds: number | undefined) => void;
}

/** A silence longer than this between frames starts a new talk spurt (bots stream in bursts). */
const SPURT_GAP_FLOOR_MS = 1_000;
/** Media at the very end of a stream not yet echoed when it closes is not counted as lost. */
const IN_FLIGHT_AT_CLOSE_S = 0.25;
/** Quality is re-estimated this often while a session runs. */
const QUALITY_EVERY_MS = 5_000;

/**
 * Times every frame that comes back: RFC 3550 jitter against the media clock (cumulative sample
 * counts), loss and gaps through a fixed playout buffer, turn latency (end of our utterance to the
 * first loud frame) and, every few seconds and at the end, the E-model R and MOS. Bots stream in
 * talk spurts, so a long silence starts a new spurt: the jitter and playout references restart
 * there rather than scoring the pause as network delay.
 */
export function createInbound(options: {
  format: AudioFormat;
  frameMs: number;
  playoutMs: number;
  silenceDbfs: number;
  emit: Emit;
  lastUtteranceEnd: () => number | undefined;
  rttSeconds?: () => number | undefined;
  /** Frames carry position tags (see {@link writeTag}): loss is counted exactly. */
  tagged?: boolean;
  /** Tagged streams: how many samples we have sent, so frames lost at the end are counted too. */
  sentSamples?: () => number;
  /**
   * The server sends audio in unpaced bursts (Audio Connector bots send up to 64,000 bytes a
   * message as fast as they have it, docs/protocols.md §3.11): no RFC 3550 jitter, which
   * assumes paced frames; see {@link createBurstInbound}.
   */
  unpaced?: boolean;
}): InboundAudio {
  if (options.unpaced === true) return createBurstInbound(options);
  const { format, emit } = options;
  const frameBytes = bytesPerSample(format.codec) * format.channels;
  const spurtGapMs = Math.max(SPURT_GAP_FLOOR_MS, options.frameMs * 5);
  const jitter = new InterarrivalJitter(format.rate);
  let playout = new PlayoutBuffer({ sampleRate: format.rate, depthMs: options.playoutMs });
  let reported: PlayoutStats | undefined;
  const totals = { lost: 0, late: 0, expected: 0, burstWeighted: 0 };
  let sawTaggedFrame = false;
  const vad = new VoiceActivityDetector({
    sampleRate: format.rate,
    thresholdDbfs: options.silenceDbfs,
  });
  let lastArrivalMs: number | undefined;
  let lastQualityAt = performance.now();

  const reportLoss = () => {
    const stats = playout.stats;
    const previous = reported ?? { lost: 0, late: 0, gaps: 0, gapSeconds: 0 };
    emit({
      type: 'loss',
      lost: stats.lost - previous.lost,
      late: stats.late - previous.late,
      gaps: stats.gaps - previous.gaps,
      gapSeconds: Math.max(0, stats.gapSeconds - previous.gapSeconds),
    });
    reported = stats;
  };
  const quality = (rtt: number | undefined) => {
    const stats = playout.stats;
    const expected = totals.expected + stats.expected;
    if (expected === 0) return;
    const lossRatio = (totals.lost + totals.late + stats.lost + stats.late) / expected;
    const burst = (totals.burstWeighted + stats.burstRatio * stats.expected) / expected;
    const delay = oneWayDelayEstimateMs({
      rttMs: (rtt ?? 0) * 1000,
      jitterBufferMs: options.playoutMs,
      packetisationMs: options.frameMs,
    });
    const r = rFactor({
      oneWayDelayMs: delay,
      lossPercent: Math.min(100, lossRatio * 100),
      burstRatio: Math.max(1, burst),
    });
    emit({ type: 'quality', rFactor: r, mos: mos(r) });
  };
  const newSpurt = () => {
    reportLoss();
    const stats = playout.stats;
    totals.lost += stats.lost;
    totals.late += stats.late;
    totals.expected += stats.expected;
    totals.burstWeighted += stats.burstRatio * stats.expected;
    jitter.newSpurt();
    playout = new PlayoutBuffer({ sampleRate: format.rate, depthMs: options.playoutMs });
    reported = undefined;
  };
  const turn = turnMeter(options.lastUtteranceEnd, emit);

  return {
    frame(data) {
      const nowMs = performance.now();
      if (data.length === 0 || data.length % frameBytes !== 0) {
        emit({ type: 'violation', kind: 'truncated_frame' });
        return;
      }
      const samples = data.length / frameBytes;
      const startSample = options.tagged === true ? readTag(data) : undefined;
      // A tag is the echo of one we wrote: a position past what we have sent is forged (or
      // corrupt) and says nothing about loss; counting the hole before it would let one frame
      // add millions to frames_lost.
      if (
        startSample !== undefined &&
        options.sentSamples !== undefined &&
        startSample + samples > options.sentSamples()
      ) {
        emit({ type: 'violation', kind: 'forged_position' });
        return;
      }
      if (lastArrivalMs !== undefined && nowMs - lastArrivalMs > spurtGapMs) newSpurt();
      lastArrivalMs = nowMs;
      if (startSample !== undefined && !sawTaggedFrame) {
        sawTaggedFrame = true;
        // The buffer starts at the first frame that arrives; frames dropped before it are
        // still frames we sent, so count them here.
        const leading = Math.round(startSample / samples);
        if (leading > 0) {
          totals.lost += leading;
          totals.expected += leading;
          emit({
            type: 'loss',
            lost: leading,
            late: 0,
            gaps: 1,
            gapSeconds: startSample / format.rate,
          });
        }
      }
      const sample =
        startSample === undefined
          ? jitter.onFrame(nowMs / 1000, samples)
          : jitter.onFrameAt(nowMs / 1000, startSample, samples);
      emit({
        type: 'frame_received',
        deviationSeconds: sample.d === undefined ? undefined : Math.abs(sample.d),
        jitterSeconds: sample.jitter,
      });
      playout.onFrame(nowMs / 1000, samples, startSample);
      const stats = playout.stats;
      if (
        stats.lost !== reported?.lost ||
        stats.late !== reported.late ||
        stats.gaps !== reported.gaps
      )
        reportLoss();
      const channels = decodeFrame(format.codec, data, format.channels);
      if (channels[0] !== undefined && vad.onFrame(channels[0]).started) turn(nowMs);
      if (nowMs - lastQualityAt >= QUALITY_EVERY_MS) {
        lastQualityAt = nowMs;
        quality(options.rttSeconds?.());
      }
    },
    clip(pcm, rate) {
      if (pcm.length < 2) return;
      const samples = new Int16Array(
        pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length - (pcm.length % 2)),
      );
      const loud = new VoiceActivityDetector({
        sampleRate: rate,
        thresholdDbfs: options.silenceDbfs,
      });
      if (loud.onFrame(samples).loud) turn(performance.now());
    },
    close(rtt) {
      // Frames missing at the end were lost too, except the last moments of the stream: their
      // echoes may still be in flight when the session closes, and that is no loss.
      if (sawTaggedFrame && options.sentSamples !== undefined) {
        const inFlight = Math.round(format.rate * IN_FLIGHT_AT_CLOSE_S);
        playout.finish(Math.max(0, options.sentSamples() - inFlight));
      }
      reportLoss();
      quality(rtt ?? options.rttSeconds?.());
    },
  };
}

/**
 * Receives audio that arrives in unpaced bursts and measures it as a listener hears it: each
 * message is queued on a real-time playout clock that starts `playoutMs` after the first audio
 * of a talk spurt. Audio that arrives after the clock ran out, while the audio before it ended
 * mid-speech and within the spurt gap, is a playout underrun (a gap, with its length); after
 * the bot finished speaking it is the bot's next turn. Time to first audio is the end of our
 * utterance to the playout time of the first loud frame. Arrival spacing says nothing about
 * unpaced audio, so no jitter is reported.
 */
function createBurstInbound(options: {
  format: AudioFormat;
  frameMs: number;
  playoutMs: number;
  silenceDbfs: number;
  emit: Emit;
  lastUtteranceEnd: () => number | undefined;
}): InboundAudio {
  const { format, emit } = options;
  const frameBytes = bytesPerSample(format.codec) * format.channels;
  const chunkBytes = frameBytes * samplesPerFrame(format.rate, options.frameMs);
  const spurtGapMs = Math.max(SPURT_GAP_FLOOR_MS, options.frameMs * 5);
  const vad = new VoiceActivityDetector({
    sampleRate: format.rate,
    thresholdDbfs: options.silenceDbfs,
  });
  /** When the audio queued so far has played out (performance.now() ms). */
  let playedOutAt: number | undefined;
  /** The audio queued so far ended in speech (voice activity, hang-over included). */
  let speaking = false;
  const turn = turnMeter(options.lastUtteranceEnd, emit);
  return {
    frame(data) {
      const nowMs = performance.now();
      if (data.length === 0 || data.length % frameBytes !== 0) {
        emit({ type: 'violation', kind: 'truncated_frame' });
        return;
      }
      let startsAt: number;
      if (playedOutAt !== undefined && nowMs <= playedOutAt) {
        startsAt = playedOutAt;
      } else {
        // The clock ran dry. Mid-word (the audio so far ended in speech) and soon after, the
        // listener heard the bot cut off until this audio came: an underrun. Otherwise the bot
        // had finished speaking and this is its next turn.
        if (playedOutAt !== undefined && speaking && nowMs - playedOutAt <= spurtGapMs) {
          emit({
            type: 'loss',
            lost: 0,
            late: 0,
            gaps: 1,
            gapSeconds: (nowMs - playedOutAt) / 1000,
          });
        }
        // The listener's buffer fills for playoutMs before playing again.
        startsAt = nowMs + options.playoutMs;
      }
      // Frames are counted as they arrive; no deviation is measured for unpaced audio.
      emit({ type: 'frame_received', deviationSeconds: undefined, jitterSeconds: 0 });
      // Voice activity per frame-sized slice, each at its own playout time.
      for (let offset = 0; offset < data.length; offset += chunkBytes) {
        const slice = data.subarray(offset, Math.min(data.length, offset + chunkBytes));
        const channels = decodeFrame(format.codec, slice, format.channels);
        const playsAt = startsAt + (offset / frameBytes / format.rate) * 1000;
        if (channels[0] === undefined) continue;
        const activity = vad.onFrame(channels[0]);
        speaking = activity.speaking;
        if (activity.started) turn(playsAt);
      }
      playedOutAt = startsAt + (data.length / frameBytes / format.rate) * 1000;
    },
    clip() {
      // Audio Connector audio only arrives as binary messages.
    },
    close() {
      // Underruns were reported as they happened; nothing is pending.
    },
  };
}

/** The `audio`-related fields every streaming target has. */
export interface AudioTargetSettings {
  audio?: AudioSourceConfig | undefined;
  echo?: boolean | undefined;
  playout_buffer?: number | undefined;
  silence_threshold_dbfs?: number | undefined;
}

/** Both directions of a streaming session, wired to each other for turn latency. */
export function createAudioPipes(options: {
  format: AudioFormat;
  frameMs: number;
  target: AudioTargetSettings;
  emit: Emit;
  socket: { readyState: number; OPEN: number; send: (data: Buffer) => void };
  rttSeconds?: () => number | undefined;
  /** Audio from the server is not paced (Audio Connector bots); see {@link createBurstInbound}. */
  unpacedInbound?: boolean;
  /** Byte order of L16 on the wire (docs/protocols.md §3.8); the codecs work little-endian. */
  l16ByteOrder?: ByteOrder;
}): { outbound: PausableOutboundAudio; inbound: InboundAudio } {
  const { format, frameMs, target, emit, socket } = options;
  const echo = target.echo === true;
  const swap = format.codec === 'L16' && options.l16ByteOrder === 'be';
  const outbound = createOutbound({
    format,
    frameMs,
    audio: target.audio,
    emit,
    tagFrames: echo,
    send: (frame) => {
      if (socket.readyState === socket.OPEN)
        socket.send(swap ? reorderL16(frame, 'le', 'be') : frame);
    },
  });
  const inbound = createInbound({
    format,
    frameMs,
    playoutMs: target.playout_buffer ?? 60,
    silenceDbfs: target.silence_threshold_dbfs ?? -40,
    emit,
    lastUtteranceEnd: () => outbound.lastUtteranceEnd(),
    tagged: echo,
    sentSamples: () => Math.round(outbound.sentSeconds * format.rate),
    unpaced: options.unpacedInbound === true && !echo,
    ...(options.rttSeconds === undefined ? {} : { rttSeconds: options.rttSeconds }),
  });
  if (!swap) return { outbound, inbound };
  return {
    outbound,
    inbound: {
      ...inbound,
      frame: (data) => {
        inbound.frame(reorderL16(data, 'be', 'le'));
      },
    },
  };
}

/**
 * Turn latency: end of our last utterance → the first loud audio after it, once per utterance
 * (later loud frames of the same answer do not count again).
 */
function turnMeter(
  lastUtteranceEnd: () => number | undefined,
  emit: Emit,
): (loudAtMs: number) => void {
  let measuredUtterance: number | undefined;
  return (loudAtMs) => {
    const utteranceEnd = lastUtteranceEnd();
    if (utteranceEnd === undefined || utteranceEnd === measuredUtterance || loudAtMs < utteranceEnd)
      return;
    measuredUtterance = utteranceEnd;
    emit({ type: 'turn_latency', seconds: (loudAtMs - utteranceEnd) / 1000 });
  };
}
