/**
 * Egress ledger middleware (issue 8): one record per response, CMCD in, CMSD out.
 *
 * Registered outermost, so it sees the final response — errors, CORS and timing headers included.
 * The body is wrapped in a byte-counting stream; the record is written when the stream ends or the
 * client goes away (then `bytes` is what was pulled for it and `aborted` is set), inside
 * `executionCtx.waitUntil`. Must never delay, alter (beyond adding CMSD headers) or break the
 * response: every failure here is logged and the original response goes out. The one exception is a
 * generated body that cannot be read (its upstream broke): that response is unsendable, so a 502
 * goes out in its place and the record is still written (aborted).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { splitPathToken } from '../../core/auth/sources.ts';
import { cmsdHeaders } from '../../core/cmcd/cmsd.ts';
import { type CmcdFacts, parseCmcd } from '../../core/cmcd/parse.ts';
import { contentKindOf } from '../../core/hls/content-kind.ts';
import { buildEgressRecord, type EgressRecord, headerBytesOf } from '../../core/ledger/record.ts';
import { hashViewer, type Sha256 } from '../../core/ledger/viewer-hash.ts';
import type { EgressConfig } from '../config-egress.ts';
import type { EdgeHonoEnv } from '../context.ts';
import type { EgressWriter } from '../egress/sinks.ts';
import { EdgeError, type EdgeErrorCode, edgeErrorBody, logEdgeError } from '../errors.ts';

export interface EgressDeps {
  readonly config: EgressConfig;
  readonly writer: EgressWriter;
  readonly now: () => number;
  readonly sha256: Sha256;
  /** The CMSD `mb` (kbps) for this viewer's region cap, when one applies (app.ts: manifest policies). */
  readonly maxBitrateKbps?: (geo: EdgeHonoEnv['Variables']['geo']) => number | undefined;
}

/** SHA-256 through Web Crypto (workerd and Node 22 both have crypto.subtle). */
export const webCryptoSha256: Sha256 = (text) =>
  crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));

/** Edge cache statuses for which the edge fetched the body from the shield for this response. */
const FETCHED_UPSTREAM: ReadonlySet<string> = new Set(['MISS', 'BYPASS', 'EXPIRED']);

/** @example app.use(egress({ config: config.egress, writer, now: Date.now, sha256 })) */
export function egress(deps: EgressDeps): MiddlewareHandler<EdgeHonoEnv> {
  return async function egressLedger(c, next) {
    const start = deps.now();
    const cmcd = readCmcd(c.req.raw);
    await next();
    try {
      addCmsd(c, deps, cmcd);
    } catch {
      // Immutable headers (a platform Response passed through untouched): no CMSD this time.
    }
    try {
      const res = c.res;
      const hasBody = res.body !== null && c.req.method !== 'HEAD';
      if (hasBody && !res.headers.has('content-length') && isGeneratedBody(c, res)) {
        c.res = await bufferGenerated(c, deps, start, cmcd, res);
        return;
      }
      const finish = settle(c, deps, start, cmcd, res);
      if (!hasBody || res.body === null) {
        finish(0, false);
        return;
      }
      // Assigning c.res makes hono copy the current headers onto the new response.
      c.res = new Response(keepLength(countingBody(res.body, finish), res.headers), res);
    } catch (error) {
      logRecordFailure(error);
    }
  };
}

/**
 * Small bodies the edge generated (errors, rewritten playlists, keys) are buffered so they keep a
 * Content-Length instead of turning chunked, and are counted exactly. Reading can fail (the shield's
 * body was cut while a playlist was being personalised): nothing has gone out yet, so the client
 * gets a clean 502 instead of the consumed body, and one record says so (status 502, aborted).
 */
async function bufferGenerated(
  c: Context<EdgeHonoEnv>,
  deps: EgressDeps,
  start: number,
  cmcd: CmcdFacts,
  res: Response,
): Promise<Response> {
  let buffered: ArrayBuffer;
  try {
    buffered = await res.arrayBuffer();
  } catch (error) {
    // The shield client codes its body failures (timeout vs cut); anything else is a cut upstream.
    const code = error instanceof EdgeError ? error.code : 'EDGE_ERR_SHIELD_UNREACHABLE';
    logEdgeError(code, error, c.req.method, recordPath(c));
    const replacement = brokenBodyResponse(res, code);
    // The record describes what the client got (the 502 and its body); aborted marks the cut upstream.
    const sent = await replacement.arrayBuffer();
    settle(c, deps, start, cmcd, replacement)(sent.byteLength, true);
    return new Response(sent, replacement);
  }
  settle(c, deps, start, cmcd, res)(buffered.byteLength, false);
  return new Response(buffered, res);
}

/** Headers the outer middlewares (cors, timing) already decided; they stay on the replacement error. */
const KEPT_ON_ERROR = /^(access-control-.*|vary|timing-allow-origin|server-timing|x-cache-shield)$/i;

/** The 502/504 sent instead of a generated body that could not be read, keeping CORS so players can read it. */
function brokenBodyResponse(res: Response, code: EdgeErrorCode): Response {
  const replacement = edgeErrorBody(code);
  for (const [name, value] of res.headers) {
    if (KEPT_ON_ERROR.test(name)) replacement.headers.set(name, value);
  }
  return replacement;
}

function logRecordFailure(error: unknown): void {
  console.error(JSON.stringify({ level: 'error', event: 'egress-record-failed', reason: String(error) }));
}

/**
 * The path records and logs name: the guard's token-free `c.var.path`, else (a response made before
 * the path guard ran) the raw path with any `/~t/<token>` prefix cut, since that token is a credential.
 */
function recordPath(c: Context<EdgeHonoEnv>): string {
  const path: string | undefined = c.var.path;
  if (path !== undefined) return path;
  const raw = new URL(c.req.url).pathname;
  return splitPathToken(raw)?.rest ?? raw;
}

function isGeneratedBody(c: Context<EdgeHonoEnv>, res: Response): boolean {
  if (res.status >= 400) return true;
  const kind = contentKindOf(recordPath(c));
  return kind !== 'segment' && kind !== 'part';
}

function readCmcd(request: Request): CmcdFacts {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) if (name.startsWith('cmcd-')) headers[name] = value;
  return parseCmcd(request.url, headers);
}

function addCmsd(c: Context<EdgeHonoEnv>, deps: EgressDeps, cmcd: CmcdFacts): void {
  if (deps.config.cmsdNode === undefined || c.res.status >= 400) return;
  const mb = deps.maxBitrateKbps?.(c.var.geo);
  const headers = cmsdHeaders({
    node: deps.config.cmsdNode,
    contentKind: contentKindOf(recordPath(c)),
    // The player's own measured throughput is the best estimate the edge has (CTA-5006 etp).
    ...(cmcd.mtp !== undefined ? { etpKbps: cmcd.mtp } : {}),
    // CTA-5006 mb: the region's rendition cap, on every response so the player's ABR stays under it.
    ...(mb !== undefined ? { maxBitrateKbps: mb } : {}),
  });
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
}

/** Returns the once-only completion callback that builds and writes the record. */
function settle(
  c: Context<EdgeHonoEnv>,
  deps: EgressDeps,
  start: number,
  cmcd: CmcdFacts,
  res: Response,
): (bytes: number, aborted: boolean) => void {
  // Captured now: the context must not be read after the response has left the middleware chain.
  const status = res.status;
  const cacheStatus = res.headers.get('x-cache');
  const headerBytes = headerBytesOf(status, res.headers);
  const path = recordPath(c);
  const geo = c.var.geo;
  const viewer = c.var.viewer;
  // Billing (issue 15): the tenant owning the path (control store copy) and the viewer's network.
  const tenant = c.var.control?.ownerOf(path);
  const network = networkOf(c.req.raw);
  let resolve: (value: { bytes: number; aborted: boolean }) => void = () => {};
  const done = new Promise<{ bytes: number; aborted: boolean }>((r) => {
    resolve = r;
  });
  const write = done.then(async ({ bytes, aborted }) => {
    try {
      const record: EgressRecord = buildEgressRecord({
        ts: start,
        tier: 'edge',
        status,
        cacheStatus,
        bytes,
        headerBytes,
        ...(geo ? { geo } : {}),
        path,
        cmcd,
        ...(viewer?.sid ? { tokenSid: viewer.sid } : {}),
        ...(viewer?.sub ? { viewer: await hashViewer(viewer.sub, deps.sha256, deps.config.viewerSalt) } : {}),
        originBytes: FETCHED_UPSTREAM.has(cacheStatus?.toUpperCase() ?? '') ? bytes : 0,
        durationMs: deps.now() - start,
        aborted,
        contentDepth: deps.config.contentDepth,
        ...(tenant !== undefined ? { tenant } : {}),
        ...(network ? { network } : {}),
      });
      await deps.writer.write(record);
    } catch (error) {
      logRecordFailure(error);
    }
  });
  waitUntil(c, write);
  let settled = false;
  return (bytes, aborted) => {
    if (settled) return;
    settled = true;
    resolve({ bytes, aborted });
  };
}

/** request.cf.asn / asOrganization, when the platform gives them. */
export function networkOf(request: Request): { asn?: number; asOrganization?: string } | undefined {
  const cf = (request as { cf?: { asn?: unknown; asOrganization?: unknown } }).cf;
  if (!cf) return undefined;
  return {
    ...(typeof cf.asn === 'number' ? { asn: cf.asn } : {}),
    ...(typeof cf.asOrganization === 'string' && cf.asOrganization !== ''
      ? { asOrganization: cf.asOrganization }
      : {}),
  };
}

function waitUntil(c: Context<EdgeHonoEnv>, promise: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(promise);
  } catch {
    // No ExecutionContext (app.request in a unit test): the promise still runs, it never rejects.
    void promise;
  }
}

/**
 * A JS stream body loses the Content-Length the runtime knew for the original body (workerd would
 * switch to chunked encoding). Piping through a FixedLengthStream keeps it; where that workerd
 * class does not exist (Node), the stream is returned as is.
 */
function keepLength(body: ReadableStream<Uint8Array>, headers: Headers): ReadableStream<Uint8Array> {
  const raw = headers.get('content-length');
  const length = raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
  const Fixed = (globalThis as { FixedLengthStream?: typeof FixedLengthStream }).FixedLengthStream;
  if (length === undefined || Fixed === undefined) return body;
  const fixed = new Fixed(length);
  // A client disconnect errors the writable side; pipeTo then cancels `body`, which records.
  body.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}

/**
 * A pull-through copy of `body` that counts bytes as the client pulls them. highWaterMark 0: we
 * read from upstream only when the client asks, so on disconnect the count is what was sent.
 */
function countingBody(
  body: ReadableStream<Uint8Array>,
  finish: (bytes: number, aborted: boolean) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            finish(bytes, false);
            controller.close();
            return;
          }
          bytes += value.byteLength;
          controller.enqueue(value);
        } catch (error) {
          // Upstream broke mid-body: record what went out, then pass the error on.
          finish(bytes, true);
          controller.error(error);
        }
      },
      async cancel(reason) {
        finish(bytes, true);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
