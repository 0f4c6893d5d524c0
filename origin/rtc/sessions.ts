/**
 * The session registry: WHEP viewers subscribe to a stream's hub and get its RTP written to their
 * senders; a WHIP publisher (one per stream) becomes that hub's source (SFU: packets are forwarded,
 * never transcoded; werift rewrites SSRC, payload type and numbering per viewer). Limits, keyframe
 * requests and the one-record-per-session ledger hook live here; HTTP does not (server.ts).
 */
import { randomBytes } from 'node:crypto';
import type { MediaStreamTrack, RTCRtpSender, RTCRtpTransceiver } from 'werift';
import type { RtcKind, RtcViewer } from '../../src/core/webrtc/contract.ts';
import type { RtcSessionFacts } from '../../src/core/webrtc/session-record.ts';
import type { Logger } from '../log.ts';
import { RtcError } from './errors.ts';
import { type FeedSource, type MediaKind, StreamHub } from './feed.ts';
import { answerOffer, createPeer, keepCandidates, type PeerOptions } from './peer.ts';
import { type EndReason, RtcSession, type SessionTimings } from './session.ts';

export interface SessionRegistryOptions extends PeerOptions, SessionTimings {
  readonly maxViewersPerStream: number;
  readonly maxSessions: number;
  readonly maxSessionsPerViewer: number;
  /** The sample stream's name: always present, never publishable. */
  readonly sampleStream: string | undefined;
  readonly logger: Logger;
  /** Called once per ended session (ledger). */
  readonly onSessionEnd: (facts: RtcSessionFacts) => void;
}

/** Seconds a client told "stream full" should wait before trying again. */
const FULL_RETRY_AFTER_SEC = 5;

export interface CreatedSession {
  readonly session: RtcSession;
  readonly answer: string;
}

export class SessionRegistry {
  readonly #options: SessionRegistryOptions;
  readonly #sessions = new Map<string, RtcSession>();
  readonly #hubs = new Map<string, StreamHub>();
  readonly #publishers = new Map<string, RtcSession>();
  /** Streams whose WHIP offer is being answered: a second POST racing the first gets a 409. */
  readonly #claimed = new Set<string>();
  /** Viewers per stream, counted from admission (before the answer exists) so racing POSTs obey the cap. */
  readonly #viewerCounts = new Map<string, number>();

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  /** The stream's hub, created on first use. */
  hub(stream: string): StreamHub {
    let hub = this.#hubs.get(stream);
    if (!hub) {
      hub = new StreamHub(stream);
      this.#hubs.set(stream, hub);
    }
    return hub;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): RtcSession | undefined {
    return this.#sessions.get(id);
  }

  list(): RtcSession[] {
    return [...this.#sessions.values()];
  }

  async createViewer(stream: string, offer: string, viewer: RtcViewer): Promise<CreatedSession> {
    if (stream !== this.#options.sampleStream && !this.#publishers.has(stream))
      throw new RtcError('RTC_ERR_STREAM_NOT_FOUND', 'no such stream (no publisher)');
    const count = this.#viewerCounts.get(stream) ?? 0;
    if (count >= this.#options.maxViewersPerStream)
      throw new RtcError('RTC_ERR_STREAM_FULL', 'this stream has as many viewers as it may', {
        retryAfterSec: FULL_RETRY_AFTER_SEC,
      });
    this.#viewerCounts.set(stream, count + 1);
    const release = once(() => this.#viewerCounts.set(stream, (this.#viewerCounts.get(stream) ?? 1) - 1));
    const senders = new Map<MediaKind, RTCRtpSender>();
    try {
      const { session, answer } = await this.#open('whep', stream, offer, viewer, (ts) => {
        for (const t of ts) {
          t.setDirection('sendonly');
          senders.set(t.kind as MediaKind, t.sender);
        }
      });
      session.onCleanup(release);
      // Looked up after the answer: the hub of a publisher that left meanwhile may have been dropped.
      const target = this.hub(stream);
      const unsubscribe = target.subscribe({
        rtp: (kind, packet) => {
          // Without pending RTP, werift drops packets until DTLS is up: a late first keyframe, no backlog.
          senders
            .get(kind)
            ?.sendRtp(packet)
            .catch(() => {});
        },
        sourceChanged: () => {
          for (const s of senders.values()) s.replaceRTP({ sequenceNumber: 0, timestamp: 0 });
        },
      });
      session.onCleanup(unsubscribe);
      for (const sender of senders.values()) {
        const { unSubscribe } = sender.onPictureLossIndication.subscribe(() =>
          target.requestKeyframe(Date.now()),
        );
        session.onCleanup(unSubscribe);
      }
      return { session, answer };
    } catch (e) {
      release();
      throw e;
    }
  }

  async createPublisher(stream: string, offer: string, viewer: RtcViewer): Promise<CreatedSession> {
    if (stream === this.#options.sampleStream || this.#publishers.has(stream) || this.#claimed.has(stream))
      throw new RtcError('RTC_ERR_PUBLISHER_EXISTS', 'this stream already has a publisher');
    const hub = this.hub(stream);
    const tracks = new Map<MediaKind, { track: MediaStreamTrack; transceiver: RTCRtpTransceiver }>();
    const kinds = new Set<MediaKind>();
    const unsubscribes: (() => void)[] = [];
    const source: FeedSource = {
      kinds,
      requestKeyframe: () => {
        const video = tracks.get('video');
        if (video?.track.ssrc !== undefined)
          video.transceiver.receiver.sendRtcpPLI(video.track.ssrc).catch(() => {});
      },
    };
    this.#claimed.add(stream);
    try {
      const { session, answer } = await this.#open('whip', stream, offer, viewer, (ts) => {
        for (const t of ts) {
          t.setDirection('recvonly');
          const kind = t.kind as MediaKind;
          kinds.add(kind);
          // werift made the receiving track while applying the offer (its onTrack already fired).
          const track = t.receiver.track;
          tracks.set(kind, { track, transceiver: t });
          const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => hub.publish(kind, packet));
          unsubscribes.push(unSubscribe);
        }
      });
      this.#publishers.set(stream, session);
      hub.setSource(source);
      session.onCleanup(() => {
        for (const off of unsubscribes) off();
        if (this.#publishers.get(stream) === session) this.#publishers.delete(stream);
        if (hub.source === source) hub.setSource(undefined);
      });
      return { session, answer };
    } finally {
      this.#claimed.delete(stream);
    }
  }

  /** Ends a session by its resource; 404 when it is not there or not of that kind and stream. */
  delete(kind: RtcKind, stream: string, id: string): void {
    this.find(kind, stream, id).end('deleted');
  }

  find(kind: RtcKind, stream: string, id: string): RtcSession {
    const session = this.#sessions.get(id);
    if (!session || session.kind !== kind || session.stream !== stream)
      throw new RtcError('RTC_ERR_SESSION_NOT_FOUND', 'no such session');
    return session;
  }

  /** Ends every session (ledger records written); used on shutdown. */
  endAll(reason: EndReason): void {
    for (const s of [...this.#sessions.values()]) s.end(reason);
  }

  async #open(
    kind: RtcKind,
    stream: string,
    offer: string,
    viewer: RtcViewer,
    configure: (transceivers: readonly RTCRtpTransceiver[]) => void,
  ): Promise<CreatedSession> {
    this.#admit(stream, viewer);
    const pc = createPeer(this.#options);
    const id = randomBytes(18).toString('base64url'); // 144 bits, 24 url-safe characters
    const session = new RtcSession({
      id,
      kind,
      stream,
      etag: `"${randomBytes(9).toString('base64url')}"`,
      viewer,
      startedAt: Date.now(),
      pc,
      timings: this.#options,
      onConnected: (s) => {
        this.#options.logger.info('rtc session connected', {
          id: s.id,
          kind,
          stream,
          ms: Date.now() - s.startedAt,
        });
        // A viewer needs a keyframe to start; so do viewers already waiting when a publisher connects.
        this.hub(stream).requestKeyframe(Date.now(), 0);
      },
      onEnd: (s, reason, facts) => {
        this.#sessions.delete(s.id);
        this.#options.logger.info('rtc session ended', {
          id: s.id,
          kind,
          stream,
          reason,
          bytesSent: facts.bytesSent,
          bytesReceived: facts.bytesReceived,
        });
        this.#dropIdleHub(stream);
        this.#options.onSessionEnd(facts);
      },
    });
    this.#sessions.set(id, session);
    try {
      const answer = keepCandidates(await answerOffer(pc, offer, configure), this.#options.iceAddresses);
      if (session.ended) throw new RtcError('RTC_ERR_INTERNAL', 'the session ended while answering');
      return { session, answer };
    } catch (e) {
      // Not a session the client ever had: no ledger record for an offer that was refused.
      this.#sessions.delete(id);
      session.discard();
      throw e;
    }
  }

  /**
   * Caps checked synchronously before the session is registered (pending sessions count, so racing
   * POSTs obey them): per viewer and stream (one token must not fill a stream), then per server
   * (every session holds UDP sockets, i.e. file descriptors).
   */
  #admit(stream: string, viewer: RtcViewer): void {
    const who = viewerKey(viewer);
    if (who !== undefined) {
      let held = 0;
      for (const s of this.#sessions.values()) if (s.stream === stream && viewerKey(s.viewer) === who) held++;
      if (held >= this.#options.maxSessionsPerViewer)
        throw new RtcError(
          'RTC_ERR_TOO_MANY_SESSIONS',
          `this viewer already has ${held} sessions on this stream; end one (DELETE) first`,
        );
    }
    if (this.#sessions.size >= this.#options.maxSessions)
      throw new RtcError('RTC_ERR_STREAM_FULL', 'this media server has as many sessions as it may', {
        retryAfterSec: FULL_RETRY_AFTER_SEC,
      });
  }

  #dropIdleHub(stream: string): void {
    const hub = this.#hubs.get(stream);
    if (hub && hub.listenerCount === 0 && hub.source === undefined && stream !== this.#options.sampleStream)
      this.#hubs.delete(stream);
  }
}

/** Who a session belongs to: the hashed token `sub`, else its `sid`; undefined (no per-viewer cap) without either. */
function viewerKey(viewer: RtcViewer): string | undefined {
  if (viewer.viewer !== undefined) return `v:${viewer.viewer}`;
  if (viewer.sessionId !== undefined) return `s:${viewer.sessionId}`;
  return undefined;
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
