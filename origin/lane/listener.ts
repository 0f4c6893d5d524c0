/**
 * The shield's listening socket: plain TCP (or TLS, tls.ts), the connection cap, and the hand-off
 * of each accepted connection to the fast lane or straight to Node's HTTP server.
 *
 * Node's HTTP server never listens itself (this server does), so it must be told to run its
 * per-connection deadlines: `armNodeDeadlines` starts the connection tracking Node otherwise starts
 * only on its own 'listening' (Node internal: `setupConnectionsTracking` is a 'listening' listener
 * of every http.Server). Without it a connection handed to Node's parser escapes the header and
 * request deadlines (issue 12). Must not parse or answer requests beyond the over-cap 503.
 */
import type { Server as HttpServer, ServerOptions } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { ConnectionLimits } from '../config-listener.ts';
import { ShieldError } from '../errors.ts';
import { rawErrorResponse } from '../routes/respond.ts';
import { closeAfterFlush } from './close.ts';
import type { FastLane } from './fast-lane.ts';

/**
 * Node server options for the shield's deadlines. `connectionsCheckingInterval` is how often Node
 * looks for expired requests, so a deadline fires at most this much late.
 *
 * @example createServer(nodeServerOptions(config.limits), handler)
 */
export function nodeServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    // RFC 9112 §3.2: a request without Host is refused with 400 (Node's default, stated here).
    requireHostHeader: true,
  };
}

/**
 * Starts Node's header/request deadline checks on a server that will never listen. Throws at startup
 * (never per request) if this Node no longer starts them this way.
 */
export function armNodeDeadlines(http: HttpServer): void {
  http.emit('listening');
  const tracked = Object.getOwnPropertySymbols(http).some((s) => s.description === 'http.server.connections');
  if (!tracked) throw new TypeError("Node's HTTP server did not start connection tracking on 'listening'");
}

/** What the listener needs, passed in. */
export interface ListenerOptions {
  /** Node's server: takes every connection the lane does not (and every one when the lane is off). */
  readonly http: HttpServer;
  readonly lane: FastLane | undefined;
  readonly maxConnections: number;
  /** How long a refused connection may take to receive its 503 before it is cut. */
  readonly lingerMs: number;
  /** Told about each connection refused over the cap (metrics). */
  readonly onRefused: () => void;
}

/** The listening server and its open connections. */
export interface ShieldListener {
  readonly server: NetServer;
  /** Client connections accepted and open now (refused ones not counted). */
  readonly connections: number;
  /** Takes one accepted client connection: counts it against the cap, then lane or Node. */
  accept(socket: Socket): void;
}

/**
 * Builds the (plain TCP) listener; `tls.ts` builds the HTTPS one around the same `accept`.
 *
 * @example const listener = createListener({ http, lane, maxConnections: 10_000, lingerMs: 5_000, onRefused }); listener.server.listen(port);
 */
export function createListener(options: ListenerOptions): ShieldListener {
  const accept = createAccept(options);
  const server = createNetServer({ noDelay: true, allowHalfOpen: true }, accept);
  return withServer(server, accept);
}

/** Attaches a server to an accept function (shared with tls.ts). */
export function withServer(server: NetServer, accept: Accept): ShieldListener {
  return {
    server,
    accept,
    get connections() {
      return accept.open;
    },
  };
}

/** The accept function, with its count of open connections. */
export type Accept = ((socket: Socket) => void) & { readonly open: number };

/** Counts connections against the cap and hands each to the lane or to Node's server. */
export function createAccept(options: ListenerOptions): Accept {
  const { http, lane, maxConnections, lingerMs, onRefused } = options;
  const refusal = rawErrorResponse(
    new ShieldError('SHIELD_ERR_TOO_MANY_CONNECTIONS', 'too many connections'),
  );
  let open = 0;
  const accept = (socket: Socket): void => {
    if (open >= maxConnections) {
      // Refused with an answer, not a reset: the edge sees a 503 and tries its next shield.
      onRefused();
      socket.on('error', () => socket.destroy());
      socket.write(refusal);
      closeAfterFlush(socket, lingerMs);
      return;
    }
    open++;
    socket.once('close', () => {
      open--;
    });
    if (lane === undefined) http.emit('connection', socket);
    else lane.accept(socket);
  };
  return Object.defineProperty(accept, 'open', { get: () => open }) as Accept;
}
