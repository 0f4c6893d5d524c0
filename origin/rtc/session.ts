/**
 * One WHEP viewer or WHIP publisher session: its werift peer connection, its byte counters and its
 * end. A session ends once (DELETE, ICE/DTLS failure, the peer staying disconnected past the grace,
 * never connecting, or shutdown), and then writes exactly one ledger record.
 */
import type { RTCPeerConnection } from 'werift';
import type { RtcKind, RtcViewer } from '../../src/core/webrtc/contract.ts';
import type { RtcSessionFacts } from '../../src/core/webrtc/session-record.ts';

export type EndReason = RtcSessionFacts['ended'];

export interface SessionTimings {
  readonly connectTimeoutMs: number;
  readonly disconnectGraceMs: number;
}

export class RtcSession {
  readonly id: string;
  readonly kind: RtcKind;
  readonly stream: string;
  readonly etag: string;
  readonly viewer: RtcViewer;
  readonly startedAt: number;
  readonly pc: RTCPeerConnection;
  /** When ICE+DTLS first connected (ms since epoch), for join-time reporting. */
  connectedAt: number | undefined;
  /** Trickle ICE candidates added by PATCH so far (bounded per session). */
  trickleCandidates = 0;
  #ended: EndReason | undefined;
  #cleanups: (() => void)[] = [];
  #timers = new Set<NodeJS.Timeout>();
  readonly #onEnd: (session: RtcSession, reason: EndReason, facts: RtcSessionFacts) => void;

  constructor(init: {
    id: string;
    kind: RtcKind;
    stream: string;
    etag: string;
    viewer: RtcViewer;
    startedAt: number;
    pc: RTCPeerConnection;
    timings: SessionTimings;
    onConnected: (session: RtcSession) => void;
    onEnd: (session: RtcSession, reason: EndReason, facts: RtcSessionFacts) => void;
  }) {
    this.id = init.id;
    this.kind = init.kind;
    this.stream = init.stream;
    this.etag = init.etag;
    this.viewer = init.viewer;
    this.startedAt = init.startedAt;
    this.pc = init.pc;
    this.#onEnd = init.onEnd;
    this.#timer(init.timings.connectTimeoutMs, () => {
      if (this.connectedAt === undefined) this.end('timeout');
    });
    let grace: NodeJS.Timeout | undefined;
    const { unSubscribe } = this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        if (grace) this.#clear(grace);
        grace = undefined;
        if (this.connectedAt === undefined) {
          this.connectedAt = Date.now();
          this.#watchDtls();
          init.onConnected(this);
        }
      } else if (state === 'failed' || state === 'closed') {
        this.end('failed');
      } else if (state === 'disconnected' && grace === undefined) {
        // ICE consent lapses for a moment on a busy host too; a viewer gone for good stays gone.
        grace = this.#timer(init.timings.disconnectGraceMs, () => this.end('disconnected'));
      }
    });
    this.#cleanups.push(unSubscribe);
    // A closed tab often sends nothing (no DTLS close_notify) and ICE consent takes ~30 s to fail.
    // Every live peer sends RTCP at least every few seconds (receiver reports, or media), so a
    // silence longer than the grace after connecting means it is gone.
    let lastReceived = -1;
    let silentSince = 0;
    const watchdog = setInterval(() => {
      if (this.connectedAt === undefined) return;
      const now = Date.now();
      const { received } = this.bytes();
      if (received !== lastReceived) {
        lastReceived = received;
        silentSince = now;
      } else if (now - silentSince >= init.timings.disconnectGraceMs) this.end('disconnected');
    }, 500);
    watchdog.unref();
    this.#cleanups.push(() => clearInterval(watchdog));
  }

  /** A DTLS close_notify (the peer called close()) ends the session at once. */
  #watchDtls(): void {
    for (const transport of this.pc.dtlsTransports) {
      const sub = transport.onStateChange.subscribe((state) => {
        if (state === 'closed' || state === 'failed') this.end('disconnected');
      });
      this.#cleanups.push(sub.unSubscribe);
    }
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** SRTP/SRTCP bytes sent to and received from the peer so far. */
  bytes(): { sent: number; received: number } {
    let sent = 0;
    let received = 0;
    for (const t of this.pc.dtlsTransports) {
      sent += t.bytesSent;
      received += t.bytesReceived;
    }
    return { sent, received };
  }

  /** Runs `fn` when the session ends (unsubscribe from a hub, release a publisher slot). */
  onCleanup(fn: () => void): void {
    if (this.#ended) fn();
    else this.#cleanups.push(fn);
  }

  /** Ends the session once: counters read, cleanups run, peer closed, `onEnd` told. */
  end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = reason;
    const { sent, received } = this.bytes();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const fn of this.#cleanups.splice(0)) fn();
    this.pc.close().catch(() => {});
    this.#onEnd(this, reason, {
      kind: this.kind,
      stream: this.stream,
      session: this.id,
      startedAt: this.startedAt,
      endedAt: Date.now(),
      bytesSent: sent,
      bytesReceived: received,
      viewer: this.viewer,
      ended: reason,
    });
  }

  /** Drops a session that never reached the client (its offer was refused): no ledger record. */
  discard(): void {
    if (this.#ended) return;
    this.#ended = 'failed';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const fn of this.#cleanups.splice(0)) fn();
    this.pc.close().catch(() => {});
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.#timers.delete(t);
  }
}
