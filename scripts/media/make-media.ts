/**
 * The sample-media maker: deterministic ffmpeg test pattern + tone, three H.264/AAC renditions,
 * 2-second segments, as TS, as fMP4 and as AES-128-encrypted TS HLS (aes.ts), with master playlists
 * written here.
 *
 * Generation happens in a temp directory next to the target and is renamed into place only after
 * the completion marker is written, so an interrupted run never leaves media that looks complete.
 * Must not serve anything (the packager does) and must not touch a non-empty directory it did not make.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PackagerError } from '../packager/errors.ts';
import { makeAesFlavour } from './aes.ts';
import {
  encodeArgs,
  FRAME_RATE,
  RENDITIONS,
  type Rendition,
  remuxArgs,
  SEGMENT_SECONDS,
} from './encoding.ts';
import { assertFfmpegInstalled, runTool } from './ffmpeg.ts';
import { aacCodecOf, avcCodecFromInit, type MasterVariant, serializeMaster } from './master-playlist.ts';
import { hiddenName, removeStaleTemps, swapIntoPlace } from './media-dir.ts';
import { readVodMediaPlaylist, type VodMediaPlaylist } from './vod-playlist.ts';

/** Bump when the layout or encoding changes so old media is regenerated. */
export const MEDIA_VERSION = 2;
export const COMPLETE_MARKER = '.complete.json';
export const FLAVOURS = ['ts', 'fmp4', 'aes'] as const;
export type Flavour = (typeof FLAVOURS)[number];

export interface MediaRendition {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Peak segment bit rate of the TS flavour, bits/s (the master's BANDWIDTH). */
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly codecs: string;
}

export interface MediaInfo {
  readonly dir: string;
  readonly flavours: readonly Flavour[];
  readonly renditions: readonly MediaRendition[];
  readonly segmentCount: number;
  /** Seconds. */
  readonly segmentDuration: number;
  /** Seconds. */
  readonly totalDuration: number;
  /** False when complete media was already there and reused. */
  readonly generated: boolean;
  readonly elapsedMs: number;
}

export interface EnsureMediaOptions {
  /** Regenerate even when complete media exists. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
}

type StoredInfo = Omit<MediaInfo, 'dir' | 'generated' | 'elapsedMs'>;

/**
 * Makes the sample media in `dir` unless a complete copy of this MEDIA_VERSION is already there.
 * Throws PACKAGER_ERR_FFMPEG_MISSING (with install instructions) or PACKAGER_ERR_FFMPEG_FAILED.
 *
 * @example const info = await ensureMedia('.media'); // info.renditions.length === 3
 */
export async function ensureMedia(dir: string, options: EnsureMediaOptions = {}): Promise<MediaInfo> {
  const started = performance.now();
  const target = path.resolve(dir);
  const elapsed = () => Math.round(performance.now() - started);
  if (options.force !== true) {
    const existing = await readComplete(target);
    if (existing !== undefined) return { ...existing, dir: target, generated: false, elapsedMs: elapsed() };
  }
  await assertFfmpegInstalled();
  await refuseForeignDirectory(target);
  const parent = path.dirname(target);
  const base = hiddenName(target);
  await mkdir(parent, { recursive: true });
  await removeStaleTemps(parent, base);
  const temp = await mkdtemp(path.join(parent, `${base}.tmp-${process.pid}-`));
  try {
    // mkdtemp makes 0700; the media is served and read by other users' tools.
    await chmod(temp, 0o755);
    options.log?.(`making sample media in ${temp}`);
    const stored = await generate(temp);
    await writeFile(
      path.join(temp, COMPLETE_MARKER),
      `${JSON.stringify({ version: MEDIA_VERSION, info: stored }, null, 2)}\n`,
    );
    // Another process may have finished first; theirs is as good as ours.
    const raced = options.force === true ? undefined : await readComplete(target);
    if (raced !== undefined) {
      await rm(temp, { recursive: true, force: true });
      return { ...raced, dir: target, generated: false, elapsedMs: elapsed() };
    }
    await swapIntoPlace(temp, target);
    return { ...stored, dir: target, generated: true, elapsedMs: elapsed() };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** The stored info when `dir` holds complete media of this version, else undefined. */
async function readComplete(dir: string): Promise<StoredInfo | undefined> {
  try {
    const marker: unknown = JSON.parse(await readFile(path.join(dir, COMPLETE_MARKER), 'utf8'));
    if (!isMarker(marker) || marker.version !== MEDIA_VERSION) return undefined;
    for (const flavour of FLAVOURS) await stat(path.join(dir, 'vod', flavour, 'master.m3u8'));
    return marker.info;
  } catch {
    return undefined;
  }
}

function isMarker(value: unknown): value is { version: number; info: StoredInfo } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const info = v.info as Record<string, unknown> | undefined;
  return (
    typeof v.version === 'number' &&
    typeof info === 'object' &&
    info !== null &&
    Array.isArray(info.renditions) &&
    typeof info.segmentCount === 'number' &&
    typeof info.segmentDuration === 'number'
  );
}

/** What a media directory holds, as far as the media maker may touch it. */
export type MediaDirState = 'missing' | 'empty' | 'sample' | 'foreign';

/** Top-level names the media maker writes; a directory holding anything else is not only ours. */
const OWN_ENTRIES: ReadonlySet<string> = new Set([COMPLETE_MARKER, 'vod']);

/**
 * `sample`: media this maker wrote (its marker, and nothing else at the top level), which it may
 * regenerate; `foreign`: anything else that is not empty, which it must never replace.
 *
 * @example await mediaDirState('/srv/hls') // 'foreign'
 */
export async function mediaDirState(dir: string): Promise<MediaDirState> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if (entries.length === 0) return 'empty';
  return entries.includes(COMPLETE_MARKER) && entries.every((name) => OWN_ENTRIES.has(name))
    ? 'sample'
    : 'foreign';
}

/**
 * Never replace a directory of someone else's files: only missing or empty ones, or media we made.
 * A top-level `vod/` proves nothing (an operator's HLS tree may have one).
 */
async function refuseForeignDirectory(dir: string): Promise<void> {
  if ((await mediaDirState(dir)) !== 'foreign') return;
  throw new PackagerError(
    'PACKAGER_ERR_MEDIA_DIR_NOT_EMPTY',
    `${dir} holds files the media maker did not write; refusing to replace it (use an empty or new folder).`,
  );
}

async function generate(root: string): Promise<StoredInfo> {
  const vod = path.join(root, 'vod');
  for (const flavour of FLAVOURS) {
    for (const r of RENDITIONS) await mkdir(path.join(vod, flavour, r.name), { recursive: true });
  }
  await mkdir(path.join(vod, 'aes', 'key'));
  await runTool('ffmpeg', encodeArgs(), { cwd: path.join(vod, 'ts') });
  await runTool('ffmpeg', remuxArgs(), { cwd: vod });
  await makeAesFlavour(vod);

  const playlists = new Map<string, VodMediaPlaylist>();
  for (const flavour of FLAVOURS) {
    for (const r of RENDITIONS) {
      const text = await readFile(path.join(vod, flavour, r.name, 'index.m3u8'), 'utf8');
      playlists.set(`${flavour}/${r.name}`, readVodMediaPlaylist(text));
    }
  }
  const reference = playlists.get(`ts/${RENDITIONS[0].name}`);
  const segmentCount = reference?.segments.length ?? 0;
  for (const [key, playlist] of playlists) {
    if (!playlist.endList || playlist.segments.length !== segmentCount || segmentCount === 0) {
      throw new PackagerError(
        'PACKAGER_ERR_MEDIA_INVALID',
        `${key}/index.m3u8: expected ${segmentCount} segments and EXT-X-ENDLIST, got ${playlist.segments.length}`,
      );
    }
  }
  const totalDuration = (reference?.segments ?? []).reduce((sum, s) => sum + s.duration, 0);

  const renditions: MediaRendition[] = [];
  const variants: Record<Flavour, MasterVariant[]> = { ts: [], fmp4: [], aes: [] };
  for (const r of RENDITIONS) {
    const codecs = await probeCodecs(vod, r);
    for (const flavour of FLAVOURS) {
      const playlist = playlists.get(`${flavour}/${r.name}`);
      const rates = await bitRates(path.join(vod, flavour, r.name), playlist?.segments ?? []);
      variants[flavour].push({
        uri: `${r.name}/index.m3u8`,
        ...rates,
        width: r.width,
        height: r.height,
        codecs,
        frameRate: FRAME_RATE,
      });
      if (flavour === 'ts')
        renditions.push({ name: r.name, width: r.width, height: r.height, ...rates, codecs });
    }
  }
  // A master needs no versioned feature; fMP4 says 7 like ffmpeg's fMP4 media playlists do.
  for (const flavour of FLAVOURS) {
    const version = flavour === 'fmp4' ? 7 : 3;
    await writeFile(path.join(vod, flavour, 'master.m3u8'), serializeMaster(variants[flavour], version));
  }
  return {
    flavours: FLAVOURS,
    renditions,
    segmentCount,
    segmentDuration: SEGMENT_SECONDS,
    totalDuration: Math.round(totalDuration * 1000) / 1000,
  };
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
}

/** CODECS for a rendition, checked against what ffprobe reads back from the first TS segment. */
async function probeCodecs(vod: string, r: Rendition): Promise<string> {
  const segment = path.join(vod, 'ts', r.name, 'seg_00000.ts');
  const out = await runTool('ffprobe', [
    ...['-v', 'error', '-of', 'json'],
    ...['-show_entries', 'stream=codec_type,codec_name,profile,width,height', segment],
  ]);
  const streams = ((JSON.parse(out) as { streams?: ProbeStream[] }).streams ?? []) as ProbeStream[];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const init = await readFile(path.join(vod, 'fmp4', r.name, 'init.mp4'));
  const avc = avcCodecFromInit(init);
  const aac = aacCodecOf(audio?.profile ?? '');
  if (
    video?.codec_name !== 'h264' ||
    video.width !== r.width ||
    video.height !== r.height ||
    audio?.codec_name !== 'aac' ||
    avc === undefined ||
    aac === undefined
  ) {
    throw new PackagerError(
      'PACKAGER_ERR_MEDIA_INVALID',
      `${r.name}: unexpected streams ${JSON.stringify(streams)} (avcC ${avc ?? 'missing'})`,
    );
  }
  return `${avc},${aac}`;
}

/** Peak and average segment bit rates from the bytes actually on disk (RFC 8216 §4.3.4.2). */
async function bitRates(
  dir: string,
  segments: VodMediaPlaylist['segments'],
): Promise<{ bandwidth: number; averageBandwidth: number }> {
  let peak = 0;
  let bits = 0;
  let seconds = 0;
  for (const s of segments) {
    const size = (await stat(path.join(dir, s.uri))).size;
    peak = Math.max(peak, (size * 8) / s.duration);
    bits += size * 8;
    seconds += s.duration;
  }
  return { bandwidth: Math.ceil(peak), averageBandwidth: Math.ceil(bits / Math.max(seconds, 1e-9)) };
}
