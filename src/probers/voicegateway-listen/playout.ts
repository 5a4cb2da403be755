/**
 * What jambonz plays to the caller, and the events it reports back (docs/protocols.md §5.4):
 * `playAudio` clips play one after another and each ends with `playDone` (carrying its `id`);
 * streamed audio plays out in real time; a `mark` is answered `playout` once the streamed audio
 * received before it has played, or `cleared` on `clearMarks` / `killAudio`.
 */

/** jambonz keeps at most this many `playAudio` waiting behind the playing one (listen.js). */
export const MAX_WAITING_PLAYS = 10;
/** mod_audio_fork keeps at most this many marks pending; more are dropped. */
export const MAX_PENDING_MARKS = 30;
/** No timer is armed further out than this (Node turns a delay over 2^31-1 ms into 1 ms). */
const MAX_DELAY_MS = 10 * 60_000;

interface Clip {
  id: string | number | undefined;
  pcm: Buffer;
  rate: number;
}

interface PendingMark {
  name: string;
  timer: NodeJS.Timeout;
}

/** Where the gateway's answers go. */
export interface PlayoutSink {
  /** Sends one JSON event to the application server. */
  send: (event: Record<string, unknown>) => void;
  /** A clip starts playing now (turn latency is measured from here). */
  clipStarted: (pcm: Buffer, rate: number) => void;
  violation: (kind: 'play_queue_full' | 'mark_limit') => void;
}

export class GatewayPlayout {
  #playing: { clip: Clip; timer: NodeJS.Timeout } | undefined;
  readonly #waiting: Clip[] = [];
  readonly #marks: PendingMark[] = [];
  /** performance.now() at which the streamed audio received so far has played out. */
  #streamEndsAt = 0;
  #disposed = false;

  constructor(private readonly sink: PlayoutSink) {}

  /** Streamed audio arrived: it plays after what is already buffered. */
  streamed(durationMs: number): void {
    const now = performance.now();
    this.#streamEndsAt = Math.min(
      Math.max(this.#streamEndsAt, now) + durationMs,
      now + MAX_DELAY_MS,
    );
  }

  /** `playAudio`: queued behind the playing clip, or replacing the waiting ones. */
  play(clip: Clip, queuePlay: boolean): void {
    if (this.#disposed) return;
    if (!queuePlay) {
      // listen.js empties its queue; the dropped clips never play and get no playDone.
      this.#waiting.length = 0;
    } else if (this.#waiting.length > MAX_WAITING_PLAYS) {
      this.sink.violation('play_queue_full');
      return;
    }
    this.#waiting.push(clip);
    if (this.#playing === undefined) this.#next();
  }

  /** `killAudio`: the playing clip stops (and reports playDone), streamed audio is dropped. */
  kill(): void {
    const playing = this.#playing;
    if (playing !== undefined) {
      clearTimeout(playing.timer);
      this.#finish(playing.clip);
    }
    this.#streamEndsAt = 0;
    this.clearMarks();
  }

  /** `mark`: answered once the streamed audio before it has played. */
  mark(name: string): void {
    if (this.#disposed) return;
    if (this.#marks.length >= MAX_PENDING_MARKS) {
      this.sink.violation('mark_limit');
      return;
    }
    const delay = Math.max(0, this.#streamEndsAt - performance.now());
    const mark: PendingMark = {
      name,
      timer: setTimeout(() => {
        const index = this.#marks.indexOf(mark);
        if (index >= 0) this.#marks.splice(index, 1);
        this.sink.send({ type: 'mark', data: { name, event: 'playout' } });
      }, delay),
    };
    this.#marks.push(mark);
  }

  /** `clearMarks`: every pending mark is reported `cleared`. */
  clearMarks(): void {
    for (const mark of this.#marks.splice(0)) {
      clearTimeout(mark.timer);
      this.sink.send({ type: 'mark', data: { name: mark.name, event: 'cleared' } });
    }
  }

  /** The stream ended: nothing more is played or reported. */
  dispose(): void {
    this.#disposed = true;
    if (this.#playing !== undefined) clearTimeout(this.#playing.timer);
    this.#playing = undefined;
    this.#waiting.length = 0;
    for (const mark of this.#marks.splice(0)) clearTimeout(mark.timer);
  }

  #next(): void {
    const clip = this.#waiting.shift();
    if (clip === undefined || this.#disposed) {
      this.#playing = undefined;
      return;
    }
    this.sink.clipStarted(clip.pcm, clip.rate);
    const ms = Math.min(MAX_DELAY_MS, (clip.pcm.length / 2 / clip.rate) * 1000);
    this.#playing = {
      clip,
      timer: setTimeout(() => {
        this.#finish(clip);
      }, ms),
    };
  }

  /** The clip ended (played out or broken off): playDone, then the next one. */
  #finish(clip: Clip): void {
    this.#playing = undefined;
    // listen.js: {type:'playDone', data:{id, ...playback results}}; an absent id is left out.
    this.sink.send({ type: 'playDone', data: clip.id === undefined ? {} : { id: clip.id } });
    this.#next();
  }
}
