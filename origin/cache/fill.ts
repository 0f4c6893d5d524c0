/**
 * Collecting an upstream body for the cache while (or instead of) streaming it to a client.
 *
 * The accumulator is bounded: past `limit` it drops what it holds and the object streams through
 * uncached. `complete` hands out a body only when the whole body arrived and matches the declared
 * Content-Length, so a truncated response can never be stored. Must not write to clients or stores.
 */
import { Transform } from 'node:stream';

/** Bounded body collector. */
export interface BodyAccumulator {
  push(chunk: Uint8Array): void;
  /** The collected body if it is complete and matches `expectedLength` (when given). */
  complete(expectedLength: number | undefined): Uint8Array | undefined;
  readonly overflowed: boolean;
}

/**
 * Creates a collector that gives up (and frees its chunks) once more than `limit` bytes arrive.
 *
 * @example const acc = createAccumulator(1024); acc.push(chunk); acc.complete(chunk.byteLength)
 */
export function createAccumulator(limit: number): BodyAccumulator {
  let chunks: Uint8Array[] = [];
  let total = 0;
  let overflowed = false;
  return {
    push(chunk) {
      if (overflowed) return;
      total += chunk.byteLength;
      if (total > limit) {
        overflowed = true;
        chunks = [];
        return;
      }
      chunks.push(chunk);
    },
    complete(expectedLength) {
      if (overflowed) return undefined;
      if (expectedLength !== undefined && expectedLength !== total) return undefined;
      return Buffer.concat(chunks, total);
    },
    get overflowed() {
      return overflowed;
    },
  };
}

/**
 * A pass-through stream that also feeds `acc`, for `pipeline(upstreamBody, tap(acc), response)`.
 *
 * @example await pipeline(res.body, tap(acc), clientResponse)
 */
export function tap(acc: BodyAccumulator): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      acc.push(chunk);
      callback(null, chunk);
    },
  });
}

/**
 * Reads a whole body into memory, bounded by `limit`. Resolves `undefined` (and destroys the body)
 * when it grows past `limit` or does not match `expectedLength`; rejects when the upstream aborts.
 *
 * @example const bytes = await readWhole(res.body, config.maxObjectBytes, declaredLength(res.headers));
 */
export async function readWhole(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  limit: number,
  expectedLength: number | undefined,
): Promise<Uint8Array | undefined> {
  const acc = createAccumulator(limit);
  for await (const chunk of body) {
    acc.push(chunk);
    if (acc.overflowed) {
      body.destroy();
      return undefined;
    }
  }
  return acc.complete(expectedLength);
}
