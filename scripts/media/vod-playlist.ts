/**
 * Reads the VOD media playlists our own ffmpeg run wrote: segment URIs and durations, target
 * duration, EXT-X-MAP. Pure: no I/O.
 *
 * Deliberately narrow — it only has to understand ffmpeg's hls muxer output, which the media maker
 * validates after writing. It must not grow into a general parser: src/core/hls owns that.
 */

export interface VodSegment {
  readonly uri: string;
  /** Seconds, from EXTINF. */
  readonly duration: number;
}

export interface VodMediaPlaylist {
  readonly targetDuration: number;
  readonly mapUri: string | undefined;
  readonly segments: readonly VodSegment[];
  readonly endList: boolean;
  readonly independentSegments: boolean;
}

/**
 * @example readVodMediaPlaylist('#EXTM3U\n#EXTINF:2.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n').segments
 *   // [{ uri: 'seg_00000.ts', duration: 2 }]
 */
export function readVodMediaPlaylist(text: string): VodMediaPlaylist {
  const segments: VodSegment[] = [];
  let targetDuration = 0;
  let mapUri: string | undefined;
  let endList = false;
  let independentSegments = false;
  let pendingDuration: number | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) {
      targetDuration = Number(line.slice('#EXT-X-TARGETDURATION:'.length));
    } else if (line.startsWith('#EXT-X-MAP:')) {
      mapUri = /URI="([^"]*)"/.exec(line)?.[1];
    } else if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line === '#EXT-X-ENDLIST') {
      endList = true;
    } else if (line === '#EXT-X-INDEPENDENT-SEGMENTS') {
      independentSegments = true;
    } else if (!line.startsWith('#') && pendingDuration !== undefined) {
      segments.push({ uri: line, duration: pendingDuration });
      pendingDuration = undefined;
    }
  }
  return { targetDuration, mapUri, segments, endList, independentSegments };
}
