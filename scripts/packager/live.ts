/**
 * The simulated live stream under `/live/<flavour>/…`: playlists computed from the VOD media playlists
 * and the clock, segments served from the VOD file msn % count. Not files on disk.
 *
 * Must not read the clock itself (`now` comes in) and must not keep state between requests: every
 * packager instance with the same start time answers the same playlist at the same instant.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  computeLiveWindow,
  isLiveSegmentAvailable,
  type LiveWindowSegment,
  serializeLiveWindow,
} from '../../src/core/hls/live-window.ts';
import { readVodMediaPlaylist, type VodMediaPlaylist } from '../media/vod-playlist.ts';
import type { Representation } from './respond.ts';
import {
  CACHE_IMMUTABLE,
  CACHE_LIVE_PLAYLIST,
  CACHE_PLAYLIST,
  fileRepresentation,
  findRootFile,
} from './static-files.ts';

/** Segments that left the window are still served this many msns later (slow players, caches). */
export const LIVE_GRACE_SEGMENTS = 3;

export interface LiveContext {
  readonly root: string;
  readonly windowSize: number;
  readonly nowMs: number;
  readonly startMs: number;
}

/** A representation to send, or why there is none (always a 404 to the client). */
export type LiveAnswer =
  | { readonly ok: true; readonly rep: Representation }
  | { readonly ok: false; readonly message: string };

const NAME = /^[A-Za-z0-9_-]+$/;
const LIVE_SEGMENT = /^seg_(\d{1,15})\.([A-Za-z0-9]+)$/;

/**
 * Answers a path under /live: `segments` are the decoded path segments after `live`.
 *
 * @example await answerLive(ctx, ['ts', '720p', 'index.m3u8']) // live media playlist
 */
export async function answerLive(ctx: LiveContext, segments: readonly string[]): Promise<LiveAnswer> {
  const [flavour, rendition, name, ...extra] = segments;
  if (flavour === undefined || !NAME.test(flavour)) return missing('no such live stream');
  if (rendition === 'master.m3u8' && name === undefined) {
    // The live master is the VOD master: its relative URIs resolve under /live/<flavour>/.
    const file = await findRootFile(ctx.root, ['vod', flavour, 'master.m3u8']);
    if (file === undefined) return missing(`no live stream ${flavour}`);
    return { ok: true, rep: fileRepresentation(file, 'master.m3u8', CACHE_PLAYLIST) };
  }
  if (rendition === undefined || name === undefined || extra.length > 0 || !NAME.test(rendition)) {
    return missing('no such live resource');
  }
  const source = await readSource(ctx.root, flavour, rendition);
  if (source === undefined) return missing(`no live rendition ${flavour}/${rendition}`);
  const computed = computeLiveWindow({
    segments: source.segments,
    nowMs: ctx.nowMs,
    startMs: ctx.startMs,
    windowSize: ctx.windowSize,
  });
  if (!computed.ok) return missing(`live stream unavailable (${computed.error.reason})`);
  const window = computed.value;

  if (name === 'index.m3u8') {
    const text = serializeLiveWindow(window, {
      segmentUri: (s) => liveSegmentName(s, source),
      independentSegments: source.independentSegments,
      ...(source.mapUri === undefined ? {} : { mapUri: source.mapUri }),
    });
    const bytes = Buffer.from(text);
    return {
      ok: true,
      rep: {
        contentType: 'application/vnd.apple.mpegurl',
        cacheControl: CACHE_LIVE_PLAYLIST,
        size: bytes.length,
        etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`,
        body: { kind: 'bytes', bytes },
      },
    };
  }
  if (name === source.mapUri) {
    const file = await findRootFile(ctx.root, ['vod', flavour, rendition, name]);
    if (file === undefined) return missing(`no init segment for ${flavour}/${rendition}`);
    return { ok: true, rep: fileRepresentation(file, name, CACHE_IMMUTABLE) };
  }
  const match = LIVE_SEGMENT.exec(name);
  if (match === null) return missing('no such live resource');
  const msn = Number(match[1]);
  if (!isLiveSegmentAvailable(window, msn, LIVE_GRACE_SEGMENTS)) {
    return missing(
      `segment ${msn} is not available: live edge is ${window.liveEdgeMsn}, window starts at ${window.mediaSequence}`,
    );
  }
  const vod = source.segments[msn % source.segments.length];
  if (vod === undefined || extensionOf(vod.uri) !== match[2]) return missing('no such live segment');
  const file = await findRootFile(ctx.root, ['vod', flavour, rendition, vod.uri]);
  if (file === undefined) return missing('source segment missing');
  return { ok: true, rep: fileRepresentation(file, name, CACHE_IMMUTABLE) };
}

/** The VOD playlist a live rendition loops over; undefined unless every URI is a plain file name. */
async function readSource(
  root: string,
  flavour: string,
  rendition: string,
): Promise<VodMediaPlaylist | undefined> {
  const file = await findRootFile(root, ['vod', flavour, rendition, 'index.m3u8']);
  if (file === undefined) return undefined;
  const playlist = readVodMediaPlaylist(await readFile(file.path, 'utf8'));
  const plain = (uri: string) => NAME.test(uri.replace(/\.[A-Za-z0-9]+$/, ''));
  if (!playlist.segments.every((s) => plain(s.uri))) return undefined;
  if (playlist.mapUri !== undefined && !plain(playlist.mapUri)) return undefined;
  return playlist;
}

function liveSegmentName(segment: LiveWindowSegment, source: VodMediaPlaylist): string {
  const vod = source.segments[segment.sourceIndex];
  return `seg_${segment.msn}.${extensionOf(vod?.uri ?? '')}`;
}

function extensionOf(uri: string): string {
  const dot = uri.lastIndexOf('.');
  return dot < 0 ? '' : uri.slice(dot + 1);
}

function missing(message: string): LiveAnswer {
  return { ok: false, message };
}
