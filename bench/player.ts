/**
 * Virtual viewers: fetch master → pick a rendition by a bandwidth model → (live: poll the media
 * playlist at target-duration cadence, or block on _HLS_msn when the server can) → fetch segments in
 * order, each with the viewer's own token and optional CMCD, from the viewer's country. Counts stalls:
 * a segment that arrives after its playback deadline. Must not fetch outside the iteration's signal.
 */
import { type MediaPlaylist, parseMaster, parseMedia, pickVariant } from './lib/playlist.ts';
import type { Random } from './lib/prng.ts';
import { withPathToken } from './lib/token.ts';
import type { BenchResponse, IterationContext } from './scenario.ts';

export interface Viewer {
  readonly id: string;
  readonly country: string;
  /** The viewer's signed token (tokenless when undefined). */
  readonly token?: string;
  /** Where the token travels: `?token=` on every request, or a `/~t/<token>/` prefix relative URIs inherit. */
  readonly tokenIn: 'query' | 'path';
  /** CMCD as a query parameter, as headers, or not at all. */
  readonly cmcd?: 'query' | 'header';
  /** CMCD session id. */
  readonly sid: string;
  /** Throughput the bandwidth model assumes, bits/s. */
  readonly throughputBps: number;
}

/** Metrics the player adds; scenarios using it declare these. */
export const PLAYER_METRICS = {
  stalls: 'counter',
  stall_ms: 'counter',
  segments: 'counter',
  startup_ms: 'trend',
} as const;

/** What makeViewer may be told; everything optional. */
export interface ViewerOptions {
  readonly country?: string;
  /** Sign a token for the viewer; default: only when the edge requires them (ctx.authRequired). */
  readonly tokens?: boolean;
  /** Token form (default query). */
  readonly tokenIn?: 'query' | 'path';
  readonly cmcd?: 'query' | 'header';
  readonly bandwidths?: readonly number[];
  /**
   * Stream for the bandwidth draw. Default `ctx.random`, which is seeded by the executor's name too:
   * scenarios that replay one trace under two executors (token-churn) pass a stream that is not.
   */
  readonly random?: Random;
}

/** A viewer with a token from the stack's signer when it exists, else a synthetic unique one. */
export async function makeViewer(ctx: IterationContext, opts: ViewerOptions): Promise<Viewer> {
  const id = `${ctx.scenario}-${ctx.vu}-${ctx.iteration}-${ctx.seed.toString(36)}`;
  const bws = opts.bandwidths ?? [1.5e6, 3e6, 6e6, 12e6];
  const throughputBps = bws[Math.floor((opts.random ?? ctx.random)() * bws.length)] ?? 6e6;
  const sid = `sid-${id}`;
  let token: string | undefined;
  // One token per viewer and session: sub = viewer, sid = the CMCD session id, ACL '/'.
  if (opts.tokens ?? ctx.authRequired === true)
    token =
      (await ctx.sign('/', { sub: id, sid })) ?? `bench.${id}.${Math.floor(ctx.random() * 1e9).toString(36)}`;
  return {
    id,
    country: opts.country ?? 'US',
    sid,
    tokenIn: opts.tokenIn ?? 'query',
    throughputBps,
    ...(token === undefined ? {} : { token }),
    ...(opts.cmcd === undefined ? {} : { cmcd: opts.cmcd }),
  };
}

/** Resolves `uri` against `base`, adding the viewer's token and CMCD. */
function viewerRequest(viewer: Viewer, base: string, uri: string, object: 'm' | 'v' | 'i', br: number) {
  const url = new URL(uri, base);
  // Path form: the token is already in `base` (the master's /~t/<token>/ prefix) and URIs inherit it.
  if (viewer.token !== undefined && viewer.tokenIn === 'query') url.searchParams.set('token', viewer.token);
  const headers: Record<string, string> = {};
  if (viewer.cmcd !== undefined) {
    const payload = `br=${Math.round(br / 1000)},ot=${object},sf=h,sid="${viewer.sid}"`;
    if (viewer.cmcd === 'query') url.searchParams.set('CMCD', payload);
    else {
      headers['cmcd-object'] = `br=${Math.round(br / 1000)},ot=${object}`;
      headers['cmcd-session'] = `sf=h,sid="${viewer.sid}"`;
    }
  }
  return { url: url.toString(), headers };
}

/** One viewer request (token, CMCD, country) for `uri` resolved against `base`; checks 200. */
export async function fetchAs(
  ctx: IterationContext,
  viewer: Viewer,
  base: string,
  uri: string,
  object: 'm' | 'v' | 'i',
  br: number,
  text: boolean,
  target?: string,
): Promise<BenchResponse> {
  const req = viewerRequest(viewer, base, uri, object, br);
  const res = await ctx.get(req.url, {
    country: viewer.country,
    headers: req.headers,
    text,
    ...(target === undefined ? {} : { target }),
  });
  ctx.check(`${object === 'v' ? 'segment' : 'playlist'} status is 200`, res.status === 200);
  return res;
}

/** Playback clock: deadlines per segment, stalls when one is late (the player rebuffers by that much). */
export function playbackClock(ctx: IterationContext) {
  let playStart: number | undefined;
  let buffered = 0; // seconds of media downloaded
  return {
    /** Records the arrival of a segment of `duration` seconds; returns ms of stall it caused. */
    arrived(duration: number): number {
      const t = ctx.now();
      let stall = 0;
      if (playStart === undefined) playStart = t;
      else {
        const deadline = playStart + buffered * 1000;
        if (t > deadline) {
          stall = t - deadline;
          playStart += stall;
        }
      }
      buffered += duration;
      return stall;
    },
    /** Seconds of media buffered ahead of the playhead. */
    ahead: () => (playStart === undefined ? 0 : buffered - (ctx.now() - playStart) / 1000),
  };
}

export interface PlayOptions {
  readonly masterPath: string;
  /** Stop after this many segments. */
  readonly maxSegments: number;
  /** Max seconds buffered ahead; Infinity = download as fast as possible (no pacing, no stalls). */
  readonly maxBufferSec: number;
  readonly target?: string;
}

/**
 * Tune-in shared by every player: fetch the master (with the viewer's token in its form), pick a
 * rendition by the viewer's throughput and load its media playlist once.
 */
export async function tuneIn(
  ctx: IterationContext,
  viewer: Viewer,
  opts: PlayOptions,
): Promise<
  { readonly mediaUrl: string; readonly bandwidth: number; readonly media: MediaPlaylist } | undefined
> {
  const masterPath =
    viewer.token !== undefined && viewer.tokenIn === 'path'
      ? withPathToken(opts.masterPath, viewer.token)
      : opts.masterPath;
  const base = new URL(masterPath, ctx.targets[opts.target ?? 'edge']).toString();
  const master = await fetchAs(ctx, viewer, base, masterPath, 'm', 0, true, opts.target);
  const variant = pickVariant(parseMaster(master.text), viewer.throughputBps);
  if (variant === undefined) return undefined;
  const mediaUrl = new URL(variant.uri, base).toString();
  const media = await reload(ctx, viewer, mediaUrl, variant.bandwidth, opts.target);
  return media === undefined ? undefined : { mediaUrl, bandwidth: variant.bandwidth, media };
}

/** Plays from the start (VOD) or near the live edge (live; 3 segments behind as RFC 8216 §6.3.3 asks). */
export async function play(ctx: IterationContext, viewer: Viewer, opts: PlayOptions): Promise<void> {
  const started = ctx.now();
  const tuned = await tuneIn(ctx, viewer, opts);
  if (tuned === undefined) return;
  const { mediaUrl, bandwidth } = tuned;
  let media: MediaPlaylist | undefined = tuned.media;
  const clock = playbackClock(ctx);
  const paced = Number.isFinite(opts.maxBufferSec);
  if (media.mapUri !== undefined)
    await fetchAs(ctx, viewer, mediaUrl, media.mapUri, 'i', bandwidth, false, opts.target);
  let next = media.endList
    ? media.mediaSequence
    : Math.max(media.mediaSequence, media.mediaSequence + media.segments.length - 3);
  let fetched = 0;
  while (fetched < opts.maxSegments && !ctx.signal.aborted && ctx.now() < ctx.deadline) {
    const seg: { uri: string; duration: number; msn: number } | undefined = media.segments.find(
      (s) => s.msn === next,
    );
    if (seg === undefined) {
      if (media.endList) break;
      // RFC 8216 §6.3.4: reload after a target duration (half of it when unchanged); block when offered.
      const blocking: boolean = media.canBlockReload;
      if (!blocking) await ctx.sleep((media.targetDuration * 1000) / 2);
      const url: string = blocking ? withMsn(mediaUrl, next) : mediaUrl;
      media = (await reload(ctx, viewer, url, bandwidth, opts.target)) ?? media;
      if (next < media.mediaSequence) next = media.mediaSequence; // fell behind the window
      continue;
    }
    if (paced)
      while (clock.ahead() > opts.maxBufferSec && !ctx.signal.aborted && ctx.now() < ctx.deadline)
        await ctx.sleep(250);
    if (ctx.now() >= ctx.deadline) break;
    const res = await fetchAs(ctx, viewer, mediaUrl, seg.uri, 'v', bandwidth, false, opts.target);
    if (ctx.signal.aborted) break;
    if (fetched === 0) ctx.add('startup_ms', ctx.now() - started);
    if (res.status === 200) {
      const stall = paced ? clock.arrived(seg.duration) : 0;
      ctx.add('segments', 1);
      if (stall > 0) {
        ctx.add('stalls', 1, { country: viewer.country });
        ctx.add('stall_ms', stall, { country: viewer.country });
      }
    }
    fetched++;
    next++;
  }
}

function withMsn(url: string, msn: number): string {
  const u = new URL(url);
  u.searchParams.set('_HLS_msn', String(msn));
  return u.toString();
}

/** Fetches and parses a media playlist; undefined unless 200. */
export async function reload(
  ctx: IterationContext,
  viewer: Viewer,
  url: string,
  br: number,
  target?: string,
): Promise<MediaPlaylist | undefined> {
  const res = await fetchAs(ctx, viewer, url, url, 'm', br, true, target);
  return res.status === 200 ? parseMedia(res.text) : undefined;
}

/** Draws an index in [0, n) uniformly. */
export function uniform(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}
