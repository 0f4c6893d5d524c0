/**
 * A slow-client attack kept at strength: `idle` connections that never send a byte and `slowloris`
 * connections that trickle a request head one header line at a time and never finish it. Each one
 * the server closes is replaced at once, as a real attacker would, until `stopReplacing()` or until
 * `maxAttempts` connects have been made (so a server that closes everything cannot loop us forever).
 * Counts open connections, reconnects, and why each connection ended. Test helper: no assertions.
 */
import { connect, type Socket } from 'node:net';

export type AttackKind = 'idle' | 'slowloris';

export interface HeldAttackOptions {
  readonly port: number;
  readonly idle: number;
  readonly slowloris: number;
  /** A slowloris connection sends one more header line this often. */
  readonly trickleMs: number;
  /** Total connects allowed, first ones and replacements together. */
  readonly maxAttempts: number;
  /** Replace connections the server closes (false: the attack fades, for the negative control). */
  readonly replace: boolean;
  /**
   * The first connects are spread evenly over this long. Spread over one idle deadline, the server's
   * closes (and so the replacements) come at a steady rate instead of all at once, as from an
   * attacker that has been connecting for a while: a wave of simultaneous closes would leave the
   * whole attack mid-reconnect at the same instant.
   */
  readonly rampMs: number;
}

/** How connections of one kind ended, with how long each had been open (connect → close). */
export interface Closures {
  readonly count: number;
  readonly lifetimesMs: readonly number[];
}

export interface HeldAttack {
  /** Attack connections connected now and not yet ended by the server. */
  open(): number;
  /** Connects made so far (first ones and replacements). */
  readonly attempts: () => number;
  /** Connects made to replace a connection that ended. */
  readonly reconnects: () => number;
  /** True once every first connect has connected or failed. */
  readonly settled: () => boolean;
  /** Keyed `<kind>: <reason>`, e.g. `idle: closed without an answer`, `slowloris: 408`. */
  readonly closures: () => ReadonlyMap<string, Closures>;
  stopReplacing(): void;
  destroy(): void;
}

/**
 * Connects in flight at once. The shield's listen backlog is Node's default 511; a burst beyond it
 * drops SYNs that the kernel retries only after a second, which would leave gaps in the attack.
 */
const CONNECTS_IN_FLIGHT = 256;
const RAMP_TICK_MS = 10;

/** Why a connection ended, from the first bytes the server sent on it (a status code, or none). */
function reasonFor(firstBytes: string, connected: boolean, errored: boolean): string {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(firstBytes)?.[1];
  if (status !== undefined) return status;
  if (!connected) return 'connect failed';
  return errored ? 'reset' : 'closed without an answer';
}

/** Opens the attack; connections start at once, paced by CONNECTS_IN_FLIGHT. */
export function startHeldAttack(options: HeldAttackOptions): HeldAttack {
  const live = new Set<Socket>();
  const openSockets = new Set<Socket>();
  const slowSockets = new Set<Socket>();
  const queue: { readonly kind: AttackKind; readonly first: boolean }[] = [];
  const closures = new Map<string, { count: number; lifetimesMs: number[] }>();
  let connecting = 0;
  let attempts = 0;
  let reconnects = 0;
  let firstPending = options.idle + options.slowloris;
  let replacing = options.replace;
  let destroyed = false;

  const record = (key: string, lifetimeMs: number | undefined) => {
    const entry = closures.get(key) ?? { count: 0, lifetimesMs: [] };
    entry.count++;
    if (lifetimeMs !== undefined) entry.lifetimesMs.push(lifetimeMs);
    closures.set(key, entry);
  };

  const launch = (kind: AttackKind, first: boolean) => {
    attempts++;
    connecting++;
    const socket = connect(options.port, '127.0.0.1');
    live.add(socket);
    let connectedAt: number | undefined;
    let firstBytes = '';
    let errored = false;
    let awaitingFirst = first;
    const settleFirst = () => {
      if (awaitingFirst) {
        awaitingFirst = false;
        firstPending--;
      }
    };
    socket.on('connect', () => {
      connecting--;
      connectedAt = performance.now();
      settleFirst();
      openSockets.add(socket);
      if (kind === 'slowloris') {
        socket.write('GET /vod/s/0.ts HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        slowSockets.add(socket);
      }
      pump();
    });
    socket.on('data', (chunk: Buffer) => {
      if (firstBytes.length < 64) firstBytes += chunk.toString('latin1');
    });
    // The server's FIN ends the connection for the attack: replace it now, not a tick later at 'close'.
    let over = false;
    const ended = () => {
      if (over) return;
      over = true;
      openSockets.delete(socket);
      slowSockets.delete(socket);
      if (destroyed) return;
      const lifetime = connectedAt === undefined ? undefined : performance.now() - connectedAt;
      record(`${kind}: ${reasonFor(firstBytes, connectedAt !== undefined, errored)}`, lifetime);
      if (replacing && attempts + queue.length < options.maxAttempts) {
        reconnects++;
        queue.push({ kind, first: false });
      }
      pump();
    };
    socket.on('end', ended);
    socket.on('error', () => {
      errored = true;
    });
    socket.on('close', () => {
      live.delete(socket);
      if (connectedAt === undefined) {
        connecting--;
        settleFirst();
      }
      ended();
    });
  };

  const pump = () => {
    while (!destroyed && connecting < CONNECTS_IN_FLIGHT && queue.length > 0) {
      const next = queue.shift();
      if (next !== undefined) launch(next.kind, next.first);
    }
  };

  let headerLine = 0;
  const trickle = setInterval(() => {
    headerLine++;
    for (const s of slowSockets) if (s.writable) s.write(`X-Slow-${headerLine}: ${'a'.repeat(8)}\r\n`);
  }, options.trickleMs);

  // First connects released at a steady pace over rampMs, kinds interleaved so both ramp together,
  // then through the same in-flight pacing as replacements.
  const firsts: AttackKind[] = [];
  for (let i = 0; i < Math.max(options.idle, options.slowloris); i++) {
    if (i < options.slowloris) firsts.push('slowloris');
    if (i < options.idle) firsts.push('idle');
  }
  const rampStart = performance.now();
  const total = firsts.length;
  const release = () => {
    const due = Math.min(
      total,
      Math.ceil((total * (performance.now() - rampStart + RAMP_TICK_MS)) / options.rampMs),
    );
    while (total - firsts.length < due) {
      const kind = firsts.shift();
      if (kind !== undefined) queue.push({ kind, first: true });
    }
    if (firsts.length === 0) clearInterval(ramp);
    pump();
  };
  const ramp = setInterval(release, RAMP_TICK_MS);
  release();

  return {
    open: () => openSockets.size,
    attempts: () => attempts,
    reconnects: () => reconnects,
    settled: () => firstPending === 0,
    closures: () => closures,
    stopReplacing: () => {
      replacing = false;
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]?.first === false) queue.splice(i, 1);
    },
    destroy: () => {
      destroyed = true;
      replacing = false;
      clearInterval(trickle);
      clearInterval(ramp);
      for (const s of live) s.destroy();
    },
  };
}
