/**
 * The shield's optional disk tier: long-lived objects (VOD and live segments, init sections) kept as
 * files so they survive a restart and outlive memory eviction, byte-bounded LRU.
 *
 * On-disk format, one file per object, `<dir>/<sha256(key) hex>.obj`:
 *   line 1: a JSON header `{"v":1,"key","status","headers","storedAt","initialAgeSec","freshForSec",
 *           "staleWhileRevalidateSec","staleIfErrorSec","bodyBytes","crc32"}` then `\n`
 *   rest:   the body bytes, exactly `bodyBytes` of them, whose zlib CRC-32 is `crc32`.
 * Writes go to `<hash>.<pid>.<n>.tmp` and are renamed into place, so a crash leaves either the old
 * file, the new one, or a `.tmp` that the next start deletes. On start the index is rebuilt from
 * the headers (recency from file mtime); a file whose header does not parse or whose size does not
 * match is deleted, and a body whose CRC does not match is deleted when it is read. Must not decide
 * what is worth keeping (tiered-store.ts does) and must never block the event loop on I/O.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../log.ts';
import type { CachedObject } from './store.ts';

/** A directory of cached objects with an in-memory index. */
export interface DiskTier {
  has(key: string): boolean;
  /** Reads and verifies the object; a corrupt file is deleted and `undefined` returned. */
  load(key: string): Promise<CachedObject | undefined>;
  /** Writes in the background (temp file + rename); skipped when too large or too many writes are queued. */
  save(key: string, object: CachedObject): void;
  delete(key: string): boolean;
  keys(): IterableIterator<string>;
  /** Resolves once every started write and delete has finished. */
  flush(): Promise<void>;
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly size: number;
  /** Files deleted because their header, size or CRC was wrong. */
  readonly corrupt: number;
}

/** Disk tier settings. */
export interface DiskTierOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly logger: Logger;
  /** Writes in progress at once; more are dropped (memory still holds the object). Default 8. */
  readonly maxPendingWrites?: number;
}

interface Header extends Omit<CachedObject, 'body'> {
  readonly v: 1;
  readonly key: string;
  readonly bodyBytes: number;
  readonly crc32: number;
}

/** Headers larger than this are not ours (replay headers are a handful of short fields). */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Opens (creating) the directory and rebuilds the index from the files in it.
 *
 * @example const disk = await openDiskTier({ dir: '/var/cache/shield', maxBytes: 16 << 30, logger });
 */
export async function openDiskTier(options: DiskTierOptions): Promise<DiskTier> {
  const { dir, maxBytes, logger } = options;
  const maxPending = options.maxPendingWrites ?? 8;
  await mkdir(dir, { recursive: true });
  /** key → file bytes; Map order is recency (oldest first). */
  const index = new Map<string, number>();
  let usedBytes = 0;
  let corrupt = 0;
  let seq = 0;
  const pending = new Set<Promise<unknown>>();
  const writing = new Set<string>();
  const loading = new Map<string, Promise<CachedObject | undefined>>();
  const fileOf = (key: string) => join(dir, `${createHash('sha256').update(key).digest('hex')}.obj`);
  const track = (p: Promise<unknown>): void => {
    const settled: Promise<unknown> = p.then(
      (): boolean => pending.delete(settled),
      (): boolean => pending.delete(settled),
    );
    pending.add(settled);
  };
  const forget = (key: string): boolean => {
    const bytes = index.get(key);
    if (bytes === undefined) return false;
    index.delete(key);
    usedBytes -= bytes;
    return true;
  };
  const remove = (key: string): boolean => {
    if (!forget(key)) return false;
    track(unlink(fileOf(key)).catch(() => {}));
    return true;
  };
  const discardCorrupt = (path: string, why: string): void => {
    corrupt++;
    logger.warn('disk tier: corrupt file removed', { path, why });
    track(unlink(path).catch(() => {}));
  };

  // Rebuild: oldest mtime first so recency survives the restart approximately.
  const found: { key: string; bytes: number; mtimeMs: number }[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (name.endsWith('.tmp')) {
      track(unlink(path).catch(() => {}));
      continue;
    }
    if (!name.endsWith('.obj')) continue;
    const entry = await readIndexEntry(path).catch(() => undefined);
    if (entry === undefined || `${createHash('sha256').update(entry.key).digest('hex')}.obj` !== name) {
      discardCorrupt(path, 'bad header or size');
      continue;
    }
    found.push(entry);
  }
  found.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const { key, bytes } of found) {
    index.set(key, bytes);
    usedBytes += bytes;
  }
  const evict = (): void => {
    for (const oldest of index.keys()) {
      if (usedBytes <= maxBytes) break;
      remove(oldest);
    }
  };
  evict();

  const read = async (key: string): Promise<CachedObject | undefined> => {
    const path = fileOf(key);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch {
      forget(key);
      return undefined;
    }
    const parsed = parseFile(buf);
    if (parsed === undefined || parsed.header.key !== key || crc32(parsed.body) !== parsed.header.crc32) {
      forget(key);
      discardCorrupt(path, 'bad header, size or crc32');
      return undefined;
    }
    const { v: _v, key: _k, bodyBytes: _b, crc32: _c, ...facts } = parsed.header;
    return { ...facts, body: parsed.body };
  };

  return {
    has: (key) => index.has(key),
    load(key) {
      const bytes = index.get(key);
      if (bytes === undefined) return Promise.resolve(undefined);
      index.delete(key);
      index.set(key, bytes);
      let p = loading.get(key);
      if (p === undefined) {
        p = read(key).finally(() => loading.delete(key));
        loading.set(key, p);
      }
      return p;
    },
    save(key, object) {
      if (writing.has(key) || writing.size >= maxPending) return;
      const body = object.body;
      const {
        status,
        headers,
        storedAt,
        initialAgeSec,
        freshForSec,
        staleWhileRevalidateSec,
        staleIfErrorSec,
      } = object;
      const header: Header = {
        v: 1,
        key,
        status,
        headers,
        storedAt,
        initialAgeSec,
        freshForSec,
        staleWhileRevalidateSec,
        staleIfErrorSec,
        bodyBytes: body.byteLength,
        crc32: crc32(body),
      };
      const head = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');
      const bytes = head.byteLength + body.byteLength;
      if (bytes > maxBytes || head.byteLength > MAX_HEADER_BYTES) return;
      writing.add(key);
      const final = fileOf(key);
      const tmp = `${final.slice(0, -'.obj'.length)}.${process.pid}.${seq++}.tmp`;
      track(
        (async () => {
          try {
            const fh = await open(tmp, 'w');
            try {
              await fh.writev([head, body]);
            } finally {
              await fh.close();
            }
            await rename(tmp, final);
            forget(key);
            index.set(key, bytes);
            usedBytes += bytes;
            evict();
          } catch (e) {
            logger.warn('disk tier: write failed', { path: key, error: String(e) });
            await unlink(tmp).catch(() => {});
          } finally {
            writing.delete(key);
          }
        })(),
      );
    },
    delete: remove,
    keys: () => index.keys(),
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    get usedBytes() {
      return usedBytes;
    },
    maxBytes,
    get size() {
      return index.size;
    },
    get corrupt() {
      return corrupt;
    },
  };
}

/** Key, size and mtime of one file, from its header only; `undefined` when the file is not ours. */
async function readIndexEntry(
  path: string,
): Promise<{ key: string; bytes: number; mtimeMs: number } | undefined> {
  const info = await stat(path);
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(info.size, MAX_HEADER_BYTES));
    const { bytesRead } = await fh.read(buf, 0, buf.byteLength, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl === -1) return undefined;
    const header = parseHeader(buf.subarray(0, nl));
    if (header === undefined || nl + 1 + header.bodyBytes !== info.size) return undefined;
    return { key: header.key, bytes: info.size, mtimeMs: info.mtimeMs };
  } finally {
    await fh.close();
  }
}

function parseFile(buf: Buffer): { header: Header; body: Buffer } | undefined {
  const nl = buf.subarray(0, MAX_HEADER_BYTES).indexOf(10);
  if (nl === -1) return undefined;
  const header = parseHeader(buf.subarray(0, nl));
  if (header === undefined || nl + 1 + header.bodyBytes !== buf.byteLength) return undefined;
  return { header, body: buf.subarray(nl + 1) };
}

function parseHeader(bytes: Buffer): Header | undefined {
  let h: unknown;
  try {
    h = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof h !== 'object' || h === null) return undefined;
  const r = h as Record<string, unknown>;
  const num = (name: string) => typeof r[name] === 'number' && Number.isFinite(r[name]);
  const ok =
    r.v === 1 &&
    typeof r.key === 'string' &&
    (r.status === 200 || r.status === 404 || r.status === 410) &&
    typeof r.headers === 'object' &&
    r.headers !== null &&
    Object.values(r.headers).every((v) => typeof v === 'string') &&
    [
      'storedAt',
      'initialAgeSec',
      'freshForSec',
      'staleWhileRevalidateSec',
      'staleIfErrorSec',
      'bodyBytes',
      'crc32',
    ].every(num);
  return ok ? (h as Header) : undefined;
}
