/**
 * The LL-HLS viewer (RFC 8216bis §6.2.5.2, §6.3.2; hls.js lowLatencyMode-like): after master and a
 * tune-in media playlist it plays PARTS, not segments. Each part listed is fetched in order; at the
 * live edge it fetches the EXT-X-PRELOAD-HINT part and, in parallel, makes a blocking reload with
 * `_HLS_msn=M&_HLS_part=P` for that same part (the server holds both until the part exists). Stalls
 * are counted per part against its playback deadline. Falls back to `play` (segments, plain reloads)
 * when the stream is not LL-HLS. Must not fetch outside the iteration's signal.
 */
import type { MediaPart, MediaPlaylist } from './lib/playlist.ts';
import { fetchAs, type PlayOptions, play, playbackClock, reload, tuneIn, type Viewer } from './player.ts';
import type { BenchResponse, IterationContext } from './scenario.ts';

/** Metrics the LL viewer adds on top of PLAYER_METRICS. */
export const LL_PLAYER_METRICS = {
  /** Every part fetched, listed or through the preload hint. */
  part_requests: 'counter',
  preload_hint_requests: 'counter',
  blocking_reloads: 'counter',
} as const;

type PartId = { readonly msn: number; readonly part: number };

/**
 * The part after `at`: the next listed one in the same segment, else part 0 of the next segment once
 * `at`'s segment is complete in the playlist, else the same segment's next index (still growing).
 */
export function nextPart(media: MediaPlaylist, at: PartId): PartId {
  if (media.parts.some((p) => p.msn === at.msn && p.part === at.part + 1))
    return { msn: at.msn, part: at.part + 1 };
  if (media.segments.some((s) => s.msn === at.msn)) return { msn: at.msn + 1, part: 0 };
  return { msn: at.msn, part: at.part + 1 };
}

/** Where a low-latency player tunes in: part 0 (independent) of the newest segment that has parts listed. */
export function tuneInPart(media: MediaPlaylist): PartId | undefined {
  const last = media.parts[media.parts.length - 1];
  return last === undefined ? undefined : { msn: last.msn, part: 0 };
}

/** The blocking-reload URL for part `want` (RFC 8216bis §6.2.5.2). */
export function blockingUrl(mediaUrl: string, want: PartId): string {
  const u = new URL(mediaUrl);
  u.searchParams.set('_HLS_msn', String(want.msn));
  u.searchParams.set('_HLS_part', String(want.part));
  return u.toString();
}

/** Plays an LL-HLS stream part by part from the live edge until the deadline or `maxParts`. */
export async function playLowLatency(
  ctx: IterationContext,
  viewer: Viewer,
  opts: PlayOptions & { readonly maxParts: number },
): Promise<void> {
  const started = ctx.now();
  const tuned = await tuneIn(ctx, viewer, opts);
  if (tuned === undefined) return;
  const { mediaUrl, bandwidth } = tuned;
  let media: MediaPlaylist = tuned.media;
  const start = tuneInPart(media);
  if (!media.canBlockReload || start === undefined) return play(ctx, viewer, opts);
  let want: PartId = start;
  const clock = playbackClock(ctx);
  let fetched = 0;
  const live = () => !ctx.signal.aborted && ctx.now() < ctx.deadline;
  while (fetched < opts.maxParts && live()) {
    if (want.msn < media.mediaSequence) want = tuneInPart(media) ?? want; // fell out of the window
    const w: PartId = want;
    const listed: MediaPart | undefined = media.parts.find((p) => p.msn === w.msn && p.part === w.part);
    const arrived = (duration: number) => {
      if (fetched === 0) ctx.add('startup_ms', ctx.now() - started);
      const stall = clock.arrived(duration);
      ctx.add('segments', 1, { unit: 'part' });
      if (stall > 0) {
        ctx.add('stalls', 1, { country: viewer.country });
        ctx.add('stall_ms', stall, { country: viewer.country });
      }
      fetched++;
    };
    if (listed !== undefined) {
      while (clock.ahead() > opts.maxBufferSec && live()) await ctx.sleep(100);
      const res = await fetchAs(ctx, viewer, mediaUrl, listed.uri, 'v', bandwidth, false, opts.target);
      ctx.add('part_requests', 1);
      if (res.status === 200) arrived(listed.duration);
      want = nextPart(media, listed);
      continue;
    }
    const hint: MediaPlaylist['preloadHint'] = media.preloadHint;
    // The part we want is not listed: it is the preload hint (or the hint is past it: the segment ended).
    if (hint !== undefined && (hint.msn > want.msn || (hint.msn === want.msn && hint.part > want.part)))
      want = { msn: hint.msn, part: hint.part };
    const target: PartId = want;
    const [part, next]: [BenchResponse | undefined, MediaPlaylist | undefined] = await Promise.all([
      hint !== undefined && hint.msn === target.msn && hint.part === target.part
        ? fetchAs(ctx, viewer, mediaUrl, hint.uri, 'v', bandwidth, false, opts.target)
        : undefined,
      reload(ctx, viewer, blockingUrl(mediaUrl, target), bandwidth, opts.target),
    ]);
    ctx.add('blocking_reloads', 1);
    if (part !== undefined) {
      ctx.add('part_requests', 1);
      ctx.add('preload_hint_requests', 1);
    }
    if (next !== undefined) media = next;
    if (part?.status === 200) {
      const d = media.parts.find((p) => p.msn === target.msn && p.part === target.part)?.duration;
      arrived(d ?? media.partTarget ?? 0);
      want = nextPart(media, target);
    } else if (next === undefined) await ctx.sleep(((media.partTarget ?? 1) * 1000) / 2);
  }
}
