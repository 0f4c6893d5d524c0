/**
 * Shield egress records (issue 8): one NDJSON line per response the shield sends, written to a
 * file or stdout through a bounded buffer. The lead wires `trackShieldResponse` into the server.
 *
 * Recording never delays or breaks a response: writes are fire-and-forget, a slow or broken sink
 * fills at most `maxBufferedBytes` and then lines are dropped and counted (`dropped()`).
 */
import { createWriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { parseCmcd } from '../src/core/cmcd/parse.ts';
import { buildEgressRecord, type EgressRecord, headerBytesOf } from '../src/core/ledger/record.ts';
import type { AnsweredHit } from './lane/fast-lane.ts';

export interface ShieldEgressLog {
  /** Queues one record as an NDJSON line. Never throws, never waits. */
  write(record: EgressRecord): void;
  /** Lines dropped because the buffer was full or the sink failed. */
  dropped(): number;
  /** Resolves when everything buffered has been handed to the sink (and closes a file sink). */
  close(): Promise<void>;
}

export interface ShieldEgressLogOptions {
  /** Bytes held in memory while the sink applies backpressure (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  readonly onDrop?: (dropped: number) => void;
  /** The sink's first 'error' (later ones are the same broken sink). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Opens the sink: `-` or `stdout` for process.stdout, else a file path (appended).
 *
 * @example const log = openShieldEgressLog(process.env.SHIELD_EGRESS_LOG ?? '-')
 */
export function openShieldEgressLog(target: string, options: ShieldEgressLogOptions = {}): ShieldEgressLog {
  const toStdout = target === '-' || target === 'stdout';
  const out = toStdout ? process.stdout : createWriteStream(target, { flags: 'a' });
  return createShieldEgressLog(out, { ...options, closeSink: !toStdout });
}

/** The log over any Writable (tests pass their own). */
export function createShieldEgressLog(
  out: Writable,
  options: ShieldEgressLogOptions & { readonly closeSink?: boolean } = {},
): ShieldEgressLog {
  const max = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const pending: string[] = [];
  let pendingBytes = 0;
  let waitingForDrain = false;
  let dropped = 0;
  let broken = false;
  const drop = () => {
    dropped++;
    options.onDrop?.(dropped);
  };
  out.on('error', (e: unknown) => {
    if (!broken) options.onError?.(e);
    broken = true;
  });
  const pump = () => {
    waitingForDrain = false;
    while (pending.length > 0 && !waitingForDrain) {
      const line = pending.shift() ?? '';
      pendingBytes -= line.length;
      if (!out.write(line)) waitingForDrain = true;
    }
    if (waitingForDrain) out.once('drain', pump);
  };
  return {
    write(record) {
      if (broken) return drop();
      const line = `${JSON.stringify(record)}\n`;
      if (!waitingForDrain) {
        if (!out.write(line)) {
          waitingForDrain = true;
          out.once('drain', pump);
        }
        return;
      }
      if (pendingBytes + line.length > max) return drop();
      pending.push(line);
      pendingBytes += line.length;
    },
    dropped: () => dropped,
    async close() {
      while (pending.length > 0 && !broken) await new Promise((r) => setTimeout(r, 5));
      if (options.closeSink) await new Promise<void>((r) => out.end(r));
    },
  };
}

export interface ShieldResponseMeta {
  /** Normalised request path. */
  readonly path: string;
  /** Bytes this response made the shield fetch from the packager (0 on a cache hit). */
  readonly originBytes: () => number;
  readonly now: () => number;
}

/**
 * Counts the body bytes `res` actually writes and records them when the response finishes or the
 * client goes away (`aborted`). The cache status comes from the response's own `x-cache` header.
 *
 * @example trackShieldResponse(req, res, { path, originBytes: () => fill.upstreamBytes, now: Date.now }, log)
 */
export function trackShieldResponse(
  req: IncomingMessage,
  res: ServerResponse,
  meta: ShieldResponseMeta,
  log: ShieldEgressLog,
): void {
  const start = meta.now();
  let bytes = 0;
  const count = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === 'string')
      bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  // writeHead(status, headers) bypasses getHeader(): keep what was passed (object or flat list).
  let headHeaders: [string, string][] = [];
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    headHeaders = headerPairs(args.find((a) => typeof a === 'object' && a !== null));
    return writeHead(...args);
  }) as typeof res.writeHead;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((...args: unknown[]) => {
    count(args[0], args[1]);
    return write(...args);
  }) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') count(args[0], args[1]);
    return end(...args);
  }) as typeof res.end;
  res.once('close', () => {
    try {
      const set = new Set(headHeaders.map(([k]) => k));
      const headers = [...headHeaders, ...headerPairs(res.getHeaders()).filter(([k]) => !set.has(k))];
      const cache = headers.find(([k]) => k === 'x-cache')?.[1];
      const cmcdHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (k.startsWith('cmcd-') && typeof v === 'string') cmcdHeaders[k] = v;
      log.write(
        buildEgressRecord({
          ts: start,
          tier: 'shield',
          status: res.statusCode,
          cacheStatus: cache ?? '',
          // HEAD and 304 have no body even when a stream wrote one by mistake.
          bytes: req.method === 'HEAD' ? 0 : bytes,
          headerBytes: headerBytesOf(res.statusCode, headers),
          path: meta.path,
          cmcd: parseCmcd(req.url ?? '', cmcdHeaders),
          originBytes: meta.originBytes(),
          durationMs: meta.now() - start,
          aborted: !res.writableFinished,
        }),
      );
    } catch {
      // Never let accounting break the server.
    }
  });
}

/**
 * The egress record of a fast-lane hit: the same fields `trackShieldResponse` fills for a hit
 * answered by Node's server (tested to match).
 *
 * @example log.write(laneHitRecord(facts, Date.now()))
 */
export function laneHitRecord(facts: AnsweredHit, now: number): EgressRecord {
  const q = facts.target.indexOf('?');
  const cmcdHeaders: Record<string, string> = {};
  const raw = facts.requestHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    if (name.startsWith('cmcd-')) cmcdHeaders[name] = raw[i + 1] ?? '';
  }
  return buildEgressRecord({
    ts: facts.startedAt,
    tier: 'shield',
    status: 200,
    cacheStatus: 'HIT',
    // Like Node's path: the body handed to the socket counts, even when the client then went away.
    bytes: facts.method === 'HEAD' ? 0 : facts.bodyBytes,
    headerBytes: headerBytesOf(200, headerPairs(facts.responseHeaders)),
    path: q === -1 ? facts.target : facts.target.slice(0, q),
    cmcd: parseCmcd(facts.target, cmcdHeaders),
    originBytes: 0,
    durationMs: now - facts.startedAt,
    aborted: facts.aborted,
  });
}

/** Header pairs (lower-case names) from a header object or a flat `[name, value, …]` list. */
function headerPairs(headers: unknown): [string, string][] {
  const text = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));
  if (Array.isArray(headers)) {
    const out: [string, string][] = [];
    if (headers.every((h) => Array.isArray(h)))
      for (const [k, v] of headers as unknown[][]) out.push([String(k).toLowerCase(), text(v)]);
    else
      for (let i = 0; i + 1 < headers.length; i += 2)
        out.push([String(headers[i]).toLowerCase(), text(headers[i + 1])]);
    return out;
  }
  if (typeof headers !== 'object' || headers === null) return [];
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k.toLowerCase(), text(v)]);
}
