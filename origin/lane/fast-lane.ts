/**
 * The fast lane: the shield's listening socket, in front of Node's HTTP server.
 *
 * Measured on the 2-core bench box with a server-bound client (wrk), Node's HTTP machinery
 * (IncomingMessage, ServerResponse, header validation, per-response streams) costs about half of a
 * 2 KB hit; a bare Node `http` server reaches 0.6× nginx's req/s, a plain socket writing the same
 * bytes 1.15×. So each connection starts here: complete request heads are read with a strict
 * reader (src/core/http/request-head.ts) and a fresh whole-object GET/HEAD hit (the same
 * `HitLookup` as the in-server fast path) is answered with its encoded head and the stored Buffer
 * (wire.ts). Every other request is forwarded, as its exact bytes, into Node's HTTP server
 * through a per-connection in-memory socket (bridge.ts), so misses, streaming fills, errors,
 * purge and metrics keep Node's parser and response semantics. Requests are taken one at a time:
 * while a forwarded response is open, later pipelined requests wait, so responses stay in order.
 * A head the reader is unsure of (and anything after it) goes to Node for good. Must not decide
 * cacheability, touch the store or answer anything but a fresh whole-object hit itself.
 *
 * Node internals the lane relies on (check them on every Node major; test/shield/fast-lane*.test.ts
 * cover each):
 * - `server.emit('connection', duplex)`: Node's HTTP server takes any Duplex as a connection (documented
 *   for injecting connections); the bridge (bridge.ts) provides the part of the `net.Socket` surface
 *   Node's server calls on it (`setTimeout`, `setNoDelay`, `setKeepAlive`, `destroySoon`, `remote*`,
 *   `address()`).
 * - `socket._httpMessage`: Node's server keeps the response in progress on its connection (read by
 *   routes/respond.ts `answerClientError`).
 * - `server.httpAllowHalfOpen` (set in server.ts): keeps a response going after the client half-closes.
 * - Node arms `headersTimeout` / `requestTimeout` (its connection-checking interval, `setupConnectionsTracking`)
 *   only on its own 'listening', and that server never listens here: listener.ts `armNodeDeadlines` emits
 *   it, so requests Node parses (forwarded, handed over) keep Node's deadlines; heads the lane reads
 *   itself get the lane's timer. The test/shield/slow-clients.test.ts cases fail if either stops.
 * - `server.keepAliveTimeout` and `headersTimeout` are read from Node's server, so one setting serves both.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readRequestHead, type SimpleRequestHead } from '../../src/core/http/request-head.ts';
import { ShieldError } from '../errors.ts';
import { rawErrorResponse } from '../routes/respond.ts';
import { BridgeSocket } from './bridge.ts';
import { closeAfterFlush } from './close.ts';
import type { FastAnswer, HitLookup } from './hit-lookup.ts';
import { createWireCache, type Wire } from './wire.ts';

/** What the lane needs, passed in. */
export interface FastLaneOptions {
  /** Node's server: answers every request the lane forwards (its `request` listeners stay as they are). */
  readonly http: HttpServer;
  readonly lookup: HitLookup;
  /** Wall clock in ms for the `Date` header. */
  readonly now: () => number;
  /** Plain counters the metrics mirror at scrape time. */
  readonly counts: LaneCounts;
  /** Called once per hit answered here, when it has been written or the client went away (egress records). */
  readonly onAnswered?: (hit: AnsweredHit) => void;
}

/** A hit the lane answered, for the egress ledger (egress.ts `laneHitRecord`). */
export interface AnsweredHit {
  readonly startedAt: number;
  readonly method: string;
  /** Request target as sent. */
  readonly target: string;
  /** Request headers, flat `[name, value, …]` as sent. */
  readonly requestHeaders: readonly string[];
  /** Response headers, flat, as written (without Date/Connection, like Node's path). */
  readonly responseHeaders: readonly string[];
  readonly bodyBytes: number;
  /** The client went away before the whole response was handed to the kernel. */
  readonly aborted: boolean;
}

/** What the lane counts (a subset of the shield's hot counters). */
export interface LaneCounts {
  laneHits: number;
  laneForwarded: number;
  laneHandovers: number;
}

/** The lane's connections, for accept and graceful close. */
export interface FastLane {
  /** Takes a new client connection. */
  accept(socket: Socket): void;
  /** Destroys connections with nothing in flight (used while shutting down). */
  closeIdle(): void;
  /** Destroys every connection. */
  destroyAll(): void;
  readonly connections: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
/** Node's default --max-http-header-size: a longer head goes to Node, which answers 431. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Unparsed bytes held before the client socket is paused (pipelined requests behind an open one). */
const MAX_PENDING_BYTES = 64 * 1024;
/**
 * Builds the lane over Node's server.
 *
 * @example const lane = createFastLane({ http, lookup, now }); net.createServer(lane.accept).listen(port);
 */
export function createFastLane(options: FastLaneOptions): FastLane {
  const { http, lookup, now, counts, onAnswered } = options;
  const lanes = new Set<Lane>();
  const byBridge = new WeakMap<Duplex, Lane>();
  const wireOf = createWireCache(now, () => http.keepAliveTimeout);
  // Every forwarded request: hold the lane until its response has been handed to the socket, and
  // count it open until it closes (idle timeout, shutdown).
  http.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const lane = byBridge.get(req.socket as unknown as Duplex);
    if (lane === undefined) return;
    lane.nodeOpen++;
    lane.responses.add(res);
    res.once('finish', () => {
      lane.responses.delete(res);
      lane.forwardedFinished();
    });
    res.once('close', () => {
      lane.responses.delete(res);
      lane.nodeOpen--;
    });
  });

  return {
    accept(socket) {
      const lane = new Lane(socket, { http, lookup, now, wireOf, byBridge, counts, onAnswered });
      lanes.add(lane);
      socket.once('close', () => lanes.delete(lane));
    },
    closeIdle() {
      for (const lane of lanes) if (lane.idle) lane.socket.destroy();
    },
    destroyAll() {
      for (const lane of lanes) lane.socket.destroy();
    },
    get connections() {
      return lanes.size;
    },
  };
}

interface LaneContext {
  readonly http: HttpServer;
  readonly lookup: HitLookup;
  readonly wireOf: (answer: FastAnswer) => Wire;
  readonly byBridge: WeakMap<Duplex, Lane>;
  readonly counts: LaneCounts;
  readonly now: () => number;
  readonly onAnswered: ((hit: AnsweredHit) => void) | undefined;
}

/** One client connection. */
class Lane {
  readonly socket: Socket;
  readonly #ctx: LaneContext;
  #pending: Buffer | undefined;
  #bridge: BridgeSocket | undefined;
  /** Node owns the rest of this connection (an unsure head, or Node ended it). */
  #handedOver = false;
  /** A forwarded request's response has not finished yet. */
  #forwardedOpen = false;
  /** Body bytes of the forwarded request still to pass through. */
  #bodyLeft = 0;
  /** A fast answer is waiting for the socket to drain before the next request is read. */
  #draining = false;
  /** The header deadline of the partial head waiting in `#pending`, while one is armed. */
  #headTimer: NodeJS.Timeout | undefined;
  /** The connection is being closed: later input is dropped. */
  #closing = false;
  /** Requests Node's server is answering on this connection (response not closed yet). */
  nodeOpen = 0;
  /** Node's responses on this connection not finished yet. */
  readonly responses = new Set<ServerResponse>();

  constructor(socket: Socket, ctx: LaneContext) {
    this.socket = socket;
    this.#ctx = ctx;
    socket.setNoDelay(true);
    socket.setTimeout(ctx.http.keepAliveTimeout);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    // Keep-alive idle timeout, and the cut-off for a client that goes quiet inside a request head
    // (Node's own timers would not run: its socket here is the bridge).
    socket.on('timeout', () => {
      if (this.idle) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('end', () => {
      if (this.#bridge === undefined) socket.end();
      else this.#bridge.push(null);
    });
    socket.on('close', () => {
      clearTimeout(this.#headTimer);
      this.#bridge?.destroy();
    });
  }

  /**
   * No response owed or being written: safe to close. A partial request head counts as idle, as it
   * does for Node's closeIdleConnections.
   */
  get idle(): boolean {
    return (
      this.nodeOpen === 0 &&
      !this.#forwardedOpen &&
      !this.#draining &&
      this.socket.writableLength === 0 &&
      (this.#bridge === undefined || this.#bridge.idle)
    );
  }

  forwardedFinished(): void {
    this.#forwardedOpen = false;
    if (!this.#handedOver) this.#pump();
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    if (this.#handedOver) {
      this.#toNode(chunk);
      return;
    }
    let rest = chunk;
    if (this.#bodyLeft > 0) {
      const body = rest.subarray(0, this.#bodyLeft);
      this.#bodyLeft -= body.length;
      this.#toNode(body);
      rest = rest.subarray(body.length);
      if (rest.length === 0) return;
    }
    this.#pending = this.#pending === undefined ? rest : Buffer.concat([this.#pending, rest]);
    this.#pump();
  }

  /** Reads and answers or forwards complete requests, one at a time. */
  #pump(): void {
    while (this.#pending !== undefined && !this.#forwardedOpen && !this.#draining && !this.#handedOver) {
      const pending = this.#pending;
      const end = pending.indexOf(HEAD_END);
      if (end === -1 || end > MAX_HEAD_BYTES) {
        if (pending.length > MAX_HEAD_BYTES) this.#handOver();
        else this.#guardPartialHead();
        break;
      }
      this.#clearHeadDeadline();
      const reading = readRequestHead(pending.toString('latin1', 0, end));
      if (reading.kind === 'unsure') {
        this.#handOver();
        break;
      }
      const headBytes = end + HEAD_END.length;
      const answer =
        reading.bodyLength === 0
          ? this.#ctx.lookup(reading.method, reading.target, reading.headers)
          : undefined;
      if (answer !== undefined) {
        this.#consume(headBytes);
        this.#ctx.counts.laneHits++;
        this.#write(answer, this.#ctx.onAnswered && this.#report(reading, answer));
        continue;
      }
      const carried = Math.min(pending.length - headBytes, reading.bodyLength);
      this.#forwardedOpen = true;
      this.#ctx.counts.laneForwarded++;
      this.#bodyLeft = reading.bodyLength - carried;
      this.#toNode(pending.subarray(0, headBytes + carried));
      this.#consume(headBytes + carried);
    }
    // Pipelined bytes behind an open response: stop reading once a bound is held.
    if ((this.#pending?.length ?? 0) > MAX_PENDING_BYTES) this.socket.pause();
    else if (this.#bridge?.wantsInput !== false) this.socket.resume();
  }

  #consume(bytes: number): void {
    const pending = this.#pending;
    this.#pending = pending === undefined || bytes >= pending.length ? undefined : pending.subarray(bytes);
  }

  /** The egress hook's callback for one answer (its headers copied now: the Age slot is shared). */
  #report(request: SimpleRequestHead, answer: FastAnswer): (error?: Error | null) => void {
    const startedAt = this.#ctx.now();
    const responseHeaders = answer.headers.slice();
    return (error) => {
      this.#ctx.onAnswered?.({
        startedAt,
        method: request.method,
        target: request.target,
        requestHeaders: request.headers,
        responseHeaders,
        bodyBytes: answer.object.body.byteLength,
        aborted: error !== undefined && error !== null,
      });
    };
  }

  #write(answer: FastAnswer, written?: (error?: Error | null) => void): void {
    const socket = this.socket;
    const wire = this.#ctx.wireOf(answer);
    let flowing: boolean;
    if (answer.headOnly) flowing = socket.write(wire.head, written);
    else if (wire.joined !== undefined) flowing = socket.write(wire.joined, written);
    else {
      socket.cork();
      socket.write(wire.head);
      flowing = socket.write(answer.object.body, written);
      socket.uncork();
    }
    if (!flowing) {
      this.#draining = true;
      socket.once('drain', () => {
        this.#draining = false;
        this.#pump();
      });
    }
  }

  /**
   * A head must be complete within Node's `headersTimeout` (SHIELD_HEADERS_TIMEOUT_MS) of its first
   * byte, however slowly it trickles in: else 408, as Node answers on the connections it parses.
   */
  #guardPartialHead(): void {
    if (this.#headTimer !== undefined) return;
    this.#headTimer = setTimeout(() => {
      this.#headTimer = undefined;
      this.#closeWith(new ShieldError('SHIELD_ERR_REQUEST_TIMEOUT', 'request head not received in time'));
    }, this.#ctx.http.headersTimeout);
  }

  #clearHeadDeadline(): void {
    clearTimeout(this.#headTimer);
    this.#headTimer = undefined;
  }

  /** Answers the lane's own refusal (nothing else is owed on the connection) and closes. */
  #closeWith(error: ShieldError): void {
    this.#closing = true;
    this.#pending = undefined;
    this.socket.write(rawErrorResponse(error));
    closeAfterFlush(this.socket, this.#ctx.http.keepAliveTimeout);
  }

  /** Node's parser takes this connection's remaining bytes, from the current request on. */
  #handOver(): void {
    this.#handedOver = true;
    // Node owns the connection now (its own headersTimeout applies): the lane must never write a 408 on it.
    this.#clearHeadDeadline();
    this.#ctx.counts.laneHandovers++;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) this.#toNode(pending);
  }

  /**
   * Node destroyed its socket: a response it had started and not finished aborts the client's
   * connection (a cut body must look cut); otherwise what was written (a complete response, Node's
   * raw error, a fast answer still draining) is flushed, then the connection closes.
   */
  #bridgeDestroyed(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    for (const res of this.responses)
      if (res.headersSent && !res.writableFinished) {
        socket.destroy();
        return;
      }
    this.#closing = true;
    closeAfterFlush(socket, this.#ctx.http.keepAliveTimeout);
  }

  #toNode(bytes: Buffer): void {
    let bridge = this.#bridge;
    if (bridge === undefined) {
      bridge = new BridgeSocket(this.socket, {
        // Node ended its side (Connection: close, an error response): nothing more is read here,
        // and the connection closes once that response is out.
        ended: () => {
          this.#handedOver = true;
          this.#closing = true;
          closeAfterFlush(this.socket, this.#ctx.http.keepAliveTimeout);
        },
        destroyed: () => this.#bridgeDestroyed(),
      });
      this.#bridge = bridge;
      this.#ctx.byBridge.set(bridge, this);
      this.#ctx.http.emit('connection', bridge);
    }
    if (!bridge.push(bytes)) this.socket.pause();
  }
}
