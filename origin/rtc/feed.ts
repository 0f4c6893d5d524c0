/**
 * A stream's media source as its viewers see it: RTP packets per kind, and a way to ask for a
 * keyframe. Two kinds of source feed it: the built-in ffmpeg sample (sample-feed.ts) and a WHIP
 * publisher (sessions.ts). The hub fans packets out to every WHEP viewer of the stream; it never
 * parses or transcodes media.
 */
import type { RtpPacket } from 'werift';

export type MediaKind = 'audio' | 'video';

export interface FeedListener {
  rtp(kind: MediaKind, packet: RtpPacket): void;
  /** The source changed (new publisher, ffmpeg restarted): sequence numbers and timestamps jump. */
  sourceChanged(): void;
}

/** What a source offers viewers. */
export interface FeedSource {
  /** Kinds the source carries (a WHIP publisher may send video only). */
  readonly kinds: ReadonlySet<MediaKind>;
  /** Ask for a keyframe now (a WHIP publisher: RTCP PLI; the sample: no-op, its GOP is short). */
  requestKeyframe(): void;
}

/**
 * One stream's fan-out point: the current source and the listeners (viewer sessions).
 *
 * @example const hub = new StreamHub('live'); const off = hub.subscribe(viewer); hub.publish('video', pkt);
 */
export class StreamHub {
  readonly stream: string;
  readonly #listeners = new Set<FeedListener>();
  #source: FeedSource | undefined;
  #lastKeyframeRequest = 0;

  constructor(stream: string) {
    this.stream = stream;
  }

  get source(): FeedSource | undefined {
    return this.#source;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Attaches a source (undefined detaches it); listeners are told the RTP numbering restarts. */
  setSource(source: FeedSource | undefined): void {
    this.#source = source;
    for (const l of this.#listeners) l.sourceChanged();
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  publish(kind: MediaKind, packet: RtpPacket): void {
    for (const l of this.#listeners) l.rtp(kind, packet);
  }

  /**
   * Forwards a keyframe request to the source, at most one per `minIntervalMs`: N viewers joining or
   * losing packets at once must not make a publisher send N keyframes.
   */
  requestKeyframe(now: number, minIntervalMs = 500): void {
    if (now - this.#lastKeyframeRequest < minIntervalMs) return;
    this.#lastKeyframeRequest = now;
    this.#source?.requestKeyframe();
  }
}
