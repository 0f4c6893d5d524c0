/**
 * Simulated LL-HLS under `/llhls/ts/…` (issue 5): the live timeline of live.ts, cut into parts of
 * PART_TARGET_MS, with EXT-X-PART, EXT-X-PRELOAD-HINT, EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES and
 * blocking playlist reloads (`_HLS_msn` / `_HLS_part`, RFC 8216bis §6.2.5.2).
 *
 * Parts are separate objects `seg_<msn>.p<k>.ts`: byte slices of the VOD segment file cut where a
 * video frame (PES) starts at k × PART_TARGET_MS (src/core/hls/ts-part-cuts.ts), so hls.js's TS
 * demuxer reads them in order and no frame is split (fMP4 slices would cut boxes, hence MPEG-TS only). Only part 0 starts
 * with a key frame (one GOP per segment), so only it is INDEPENDENT=YES. Media playlists carry
 * EXT-X-RENDITION-REPORTs for the master's other renditions.
 * Requests for a part not yet published (the preload hint) and blocking reloads are held until the
 * timeline reaches them; a reload far beyond the live edge is 400, a hold longer than three target
 * durations 503. Must not read the clock itself (`now` and `sleep` come in) or keep state.
 */
import { readFile } from 'node:fs/promises';
import {
  blockingReload,
  computeLlWindow,
  isPartPublished,
  type LlWindow,
  partCount,
  partPublishedAtMs,
  serializeLlWindow,
} from '../../src/core/hls/live-window-ll.ts';
import { tsPartCuts } from '../../src/core/hls/ts-part-cuts.ts';
import { readVodMediaPlaylist, type VodMediaPlaylist } from '../media/vod-playlist.ts';
import type { PackagerErrorCode } from './errors.ts';
import { LIVE_GRACE_SEGMENTS } from './live.ts';
import type { Representation } from './respond.ts';
import {
  CACHE_IMMUTABLE,
  CACHE_LIVE_PLAYLIST,
  CACHE_PLAYLIST,
  fileRepresentation,
  findRootFile,
} from './static-files.ts';

/** EXT-X-PART-INF PART-TARGET of the simulated stream. */
export const PART_TARGET_MS = 500;
const FLAVOUR = 'ts';
const PART = /^seg_(\d{1,15})\.p(\d{1,3})\.ts$/;
const SEGMENT = /^seg_(\d{1,15})\.ts$/;

export interface LlContext {
  readonly root: string;
  readonly windowSize: number;
  readonly startMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export type LlAnswer =
  | { readonly ok: true; readonly rep: Representation }
  | { readonly ok: false; readonly code: PackagerErrorCode; readonly message: string };

/**
 * Answers a path under /llhls: `segments` are the decoded path segments after `llhls`.
 *
 * @example await answerLlHls(ctx, ['ts', '360p', 'index.m3u8'], new URLSearchParams('_HLS_msn=100&_HLS_part=2'))
 */
export async function answerLlHls(
  ctx: LlContext,
  segments: readonly string[],
  query: URLSearchParams,
): Promise<LlAnswer> {
  const [flavour, rendition, name, ...extra] = segments;
  if (flavour !== FLAVOUR) return fail('PACKAGER_ERR_NOT_FOUND', 'LL-HLS is simulated for MPEG-TS only');
  if (rendition === 'master.m3u8' && name === undefined) {
    const file = await findRootFile(ctx.root, ['vod', flavour, 'master.m3u8']);
    if (file === undefined) return fail('PACKAGER_ERR_NOT_FOUND', 'no master playlist');
    return { ok: true, rep: fileRepresentation(file, 'master.m3u8', CACHE_PLAYLIST) };
  }
  if (
    rendition === undefined ||
    name === undefined ||
    extra.length > 0 ||
    !/^[A-Za-z0-9_-]+$/.test(rendition)
  ) {
    return fail('PACKAGER_ERR_NOT_FOUND', 'no such LL-HLS resource');
  }
  const file = await findRootFile(ctx.root, ['vod', flavour, rendition, 'index.m3u8']);
  if (file === undefined) return fail('PACKAGER_ERR_NOT_FOUND', `no rendition ${rendition}`);
  const source = readVodMediaPlaylist(await readFile(file.path, 'utf8'));
  const windowAt = (nowMs: number) =>
    computeLlWindow({
      segments: source.segments,
      nowMs,
      startMs: ctx.startMs,
      windowSize: ctx.windowSize,
      partTargetMs: PART_TARGET_MS,
    });
  const first = windowAt(ctx.now());
  if (!first.ok) return fail('PACKAGER_ERR_NOT_FOUND', `stream unavailable (${first.error.reason})`);
  // RFC 8216bis §6.2.5.2: a server that cannot answer a blocking request within three target
  // durations should give up (503); the same bound holds preload-hint part requests.
  const deadline = ctx.now() + 3 * first.value.complete.targetDuration * 1000;

  if (name === 'index.m3u8') {
    const reports = await renditionReportUris(ctx.root, rendition);
    const msnText = query.get('_HLS_msn');
    const partText = query.get('_HLS_part');
    if (msnText === null && partText !== null)
      return fail('PACKAGER_ERR_BAD_REQUEST', '_HLS_part without _HLS_msn');
    if (msnText !== null) {
      const msn = Number(msnText);
      const part = partText === null ? undefined : Number(partText);
      if (
        !Number.isSafeInteger(msn) ||
        msn < 0 ||
        (part !== undefined && (!Number.isSafeInteger(part) || part < 0))
      ) {
        return fail('PACKAGER_ERR_BAD_REQUEST', 'bad _HLS_msn/_HLS_part');
      }
      const request = part === undefined ? { msn } : { msn, part };
      for (;;) {
        const w = windowAt(ctx.now());
        if (!w.ok) return fail('PACKAGER_ERR_NOT_FOUND', 'stream unavailable');
        const decision = blockingReload(w.value, request);
        if (decision === 'ready') {
          return { ok: true, rep: playlistRep(w.value, source, reports, blockingCacheControl(ctx, w.value)) };
        }
        if (decision === 'too-far')
          return fail('PACKAGER_ERR_BAD_REQUEST', 'blocking reload beyond the live edge');
        if (!(await waitForNextPart(ctx, w.value, deadline)))
          return fail('PACKAGER_ERR_HOLD_TIMEOUT', 'hold timed out');
      }
    }
    return { ok: true, rep: playlistRep(first.value, source, reports, CACHE_LIVE_PLAYLIST) };
  }
  const partMatch = PART.exec(name);
  if (partMatch !== null) {
    const ref = { msn: Number(partMatch[1]), part: Number(partMatch[2]) };
    if (ref.part >= partCount(first.value.current.duration, PART_TARGET_MS)) {
      return fail('PACKAGER_ERR_NOT_FOUND', 'no such part');
    }
    if (ref.msn < first.value.complete.mediaSequence - LIVE_GRACE_SEGMENTS)
      return fail('PACKAGER_ERR_NOT_FOUND', 'part gone');
    // Preload hint: hold the next part (or the one after) until it is published.
    if (partPublishedAtMs(first.value, ref) > deadline)
      return fail('PACKAGER_ERR_NOT_FOUND', 'part too far ahead');
    for (;;) {
      const w = windowAt(ctx.now());
      if (w.ok && isPartPublished(w.value, ref)) break;
      if (!w.ok || !(await waitForNextPart(ctx, w.value, deadline)))
        return fail('PACKAGER_ERR_HOLD_TIMEOUT', 'hold timed out');
    }
    return partRep(ctx, source, rendition, ref.msn, ref.part);
  }
  const segMatch = SEGMENT.exec(name);
  if (segMatch === null) return fail('PACKAGER_ERR_NOT_FOUND', 'no such LL-HLS resource');
  const msn = Number(segMatch[1]);
  const w = first.value;
  if (msn >= w.current.msn || msn < w.complete.mediaSequence - LIVE_GRACE_SEGMENTS) {
    return fail('PACKAGER_ERR_NOT_FOUND', `segment ${msn} is not complete or has left the window`);
  }
  const vod = source.segments[msn % source.segments.length];
  const segFile = vod && (await findRootFile(ctx.root, ['vod', flavour, rendition, vod.uri]));
  if (!segFile) return fail('PACKAGER_ERR_NOT_FOUND', 'source segment missing');
  return { ok: true, rep: fileRepresentation(segFile, name, CACHE_IMMUTABLE) };
}

/** Sleeps until just after the next part is published; false when that is past the deadline. */
async function waitForNextPart(ctx: LlContext, w: LlWindow, deadline: number): Promise<boolean> {
  const next = partPublishedAtMs(w, { msn: w.current.msn, part: w.currentParts });
  if (next > deadline) return false;
  await ctx.sleep(Math.max(1, next - ctx.now() + 1));
  return true;
}

/** `../<other>/index.m3u8` for every other rendition of the master (none without a master). */
async function renditionReportUris(root: string, rendition: string): Promise<string[]> {
  const master = await findRootFile(root, ['vod', FLAVOUR, 'master.m3u8']);
  if (master === undefined) return [];
  const others = (await readFile(master.path, 'utf8'))
    .split(/\r?\n/)
    .map((line) => /^([A-Za-z0-9_-]+)\/index\.m3u8$/.exec(line.trim())?.[1])
    .filter((r): r is string => r !== undefined && r !== rendition);
  return others.map((r) => `../${r}/index.m3u8`);
}

/**
 * Cache-Control of an answer to a blocking reload. RFC 8216bis §6.2.5.2: `_HLS_msn=M` asks for a
 * Playlist containing segment M (or part P of it) "or later"; once answered, that response keeps
 * satisfying the same request for as long as M is in the window, and a client that needs newer
 * parts asks with a higher msn/part (another URL). So it may be cached for the window's length, not
 * for the ½-part freshness of the plain playlist URL: a short max-age here only makes every cache
 * refetch (or background-refresh) an answer that cannot improve for its requester.
 */
function blockingCacheControl(ctx: LlContext, w: LlWindow): string {
  return `public, max-age=${ctx.windowSize * w.complete.targetDuration}`;
}

function playlistRep(
  w: LlWindow,
  source: VodMediaPlaylist,
  reports: readonly string[],
  cacheControl: string,
): Representation {
  const text = serializeLlWindow(w, {
    segmentUri: (s) => `seg_${s.msn}.ts`,
    partUri: (s, p) => `seg_${s.msn}.p${p}.ts`,
    independentSegments: source.independentSegments,
    renditionReports: reports,
  });
  const bytes = Buffer.from(text);
  return {
    contentType: 'application/vnd.apple.mpegurl',
    cacheControl,
    size: bytes.length,
    etag: `"ll-${w.current.msn}-${w.currentParts}-${bytes.length}"`,
    body: { kind: 'bytes', bytes },
  };
}

async function partRep(
  ctx: LlContext,
  source: VodMediaPlaylist,
  rendition: string,
  msn: number,
  part: number,
): Promise<LlAnswer> {
  const vod = source.segments[msn % source.segments.length];
  const file = vod && (await findRootFile(ctx.root, ['vod', FLAVOUR, rendition, vod.uri]));
  if (!vod || !file) return fail('PACKAGER_ERR_NOT_FOUND', 'source segment missing');
  const bytes = await readFile(file.path);
  const cuts = tsPartCuts(bytes, partCount(vod.duration, PART_TARGET_MS), PART_TARGET_MS);
  const slice = bytes.subarray(cuts[part] ?? bytes.length, cuts[part + 1] ?? bytes.length);
  return {
    ok: true,
    rep: {
      contentType: 'video/mp2t',
      cacheControl: CACHE_IMMUTABLE,
      size: slice.length,
      etag: `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}-p${part}"`,
      body: { kind: 'bytes', bytes: slice },
    },
  };
}

function fail(code: PackagerErrorCode, message: string): LlAnswer {
  return { ok: false, code, message };
}
