/**
 * `POST /purge`: remove cached objects by exact URL or by path prefix (authenticated like content).
 *
 * Input, JSON body or query string: `{"url": "/vod/ts/360p/seg_00001.ts"}` (a full URL works too;
 * its path and content query form the key), `{"prefix": "/live/"}`, or arrays of either
 * (`{"urls": […], "prefixes": […]}`). A fill in flight for a purged key is told not to store what
 * it fetches. Answers `{"purged": <objects removed>, "fills": <fills cancelled>}`. Must not touch
 * the upstream.
 */
import type { IncomingMessage } from 'node:http';
import { contentQuery } from '../../src/core/cache/upstream-query.ts';
import { normalizeRequestPath } from '../../src/core/http/path.ts';
import type { InFlight } from '../cache/in-flight.ts';
import type { ObjectStore } from '../cache/store.ts';
import { ShieldError } from '../errors.ts';

/** What was asked to be purged. */
export interface PurgeRequest {
  readonly keys: readonly string[];
  readonly prefixes: readonly string[];
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the purge targets from the query string and (when present) a JSON body.
 *
 * @example await readPurgeRequest(req, new URLSearchParams('prefix=/live/'))
 */
export async function readPurgeRequest(req: IncomingMessage, query: URLSearchParams): Promise<PurgeRequest> {
  const urls = [...query.getAll('url')];
  const prefixes = [...query.getAll('prefix')];
  let size = 0;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge body too large');
      chunks.push(chunk);
    }
  } catch (cause) {
    if (cause instanceof ShieldError) throw cause;
    // Reading a request body fails only when the client went away (or was cut off by the request
    // deadline) before sending all of it: the client's doing, not a shield fault.
    throw new ShieldError(
      'SHIELD_ERR_CLIENT_ABORTED',
      'client closed the request before its body was complete',
      {
        cause,
      },
    );
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge body must be JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge body must be a JSON object');
    }
    const body = parsed as Record<string, unknown>;
    urls.push(...strings(body.url), ...strings(body.urls));
    prefixes.push(...strings(body.prefix), ...strings(body.prefixes));
  }
  if (urls.length === 0 && prefixes.length === 0) {
    throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge needs url or prefix');
  }
  return { keys: urls.map(toKey), prefixes: prefixes.map(toPrefix) };
}

/**
 * Removes matching objects from the store and cancels storage by matching fills.
 *
 * @example purge(store, inFlight, { keys: ['/a.ts'], prefixes: [] }) // { purged: 1, fills: 0 }
 */
export function purge(
  store: ObjectStore,
  inFlight: InFlight,
  request: PurgeRequest,
): { purged: number; fills: number } {
  const matches = (key: string) =>
    request.keys.includes(key) || request.prefixes.some((p) => key.startsWith(p));
  let purged = 0;
  for (const key of [...store.keys()]) if (matches(key) && store.delete(key)) purged++;
  let fills = 0;
  for (const key of [...inFlight.keys()]) {
    const fill = inFlight.get(key);
    if (fill === undefined || !matches(key)) continue;
    fill.purge();
    inFlight.release(key, fill);
    fills++;
  }
  return { purged, fills };
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (value === undefined) return [];
  throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge targets must be strings');
}

function toKey(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw, 'http://shield.invalid');
  } catch {
    throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge url is not a URL');
  }
  return `${normalized(url.pathname)}${contentQuery(url.searchParams)}`;
}

function toPrefix(raw: string): string {
  if (!raw.startsWith('/')) throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'purge prefix must start with /');
  // Keep a trailing slash: "/live/" must not match "/livestream".
  const path = normalized(raw);
  return raw.endsWith('/') && !path.endsWith('/') ? `${path}/` : path;
}

function normalized(path: string): string {
  const r = normalizeRequestPath(path);
  if (!r.ok) throw new ShieldError('SHIELD_ERR_BAD_PATH', `invalid purge path (${r.error.reason})`);
  return r.value;
}
