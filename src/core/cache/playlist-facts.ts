/**
 * The few facts about a playlist the TTL policy needs (RFC 8216bis): master or media, ENDLIST,
 * target duration, LL-HLS part target. Pure: no I/O. A line scan, not a parser: it must never throw
 * and must stay cheap enough to run on every playlist the edge stores.
 */

export interface PlaylistFacts {
  /** Has EXT-X-STREAM-INF or EXT-X-I-FRAME-STREAM-INF (a multivariant playlist). */
  readonly master: boolean;
  /** RFC 8216bis §4.4.3.4: no more segments will be added. */
  readonly endList: boolean;
  /** EXT-X-PLAYLIST-TYPE:VOD also means the playlist never changes (§4.4.3.5). */
  readonly vod: boolean;
  /** EXT-X-TARGETDURATION in seconds, when present and valid. */
  readonly targetDurationS?: number;
  /** EXT-X-PART-INF PART-TARGET in seconds (LL-HLS), when present and valid. */
  readonly partTargetS?: number;
}

const TARGET = /^#EXT-X-TARGETDURATION:\s*(\d+(?:\.\d+)?)\s*$/;
const PART_TARGET = /^#EXT-X-PART-INF:.*\bPART-TARGET=(\d+(?:\.\d+)?)/;

/**
 * @example playlistFacts('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n') // { master: false, endList: true, vod: false, targetDurationS: 2 }
 */
export function playlistFacts(text: string): PlaylistFacts {
  let master = false;
  let endList = false;
  let vod = false;
  let targetDurationS: number | undefined;
  let partTargetS: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('#EXT')) continue;
    if (line.startsWith('#EXT-X-STREAM-INF') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF')) master = true;
    else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (line === '#EXT-X-PLAYLIST-TYPE:VOD') vod = true;
    else {
      const target = TARGET.exec(line);
      if (target) targetDurationS = positive(target[1]);
      const part = PART_TARGET.exec(line);
      if (part) partTargetS = positive(part[1]);
    }
  }
  return {
    master,
    endList,
    vod,
    ...(targetDurationS === undefined ? {} : { targetDurationS }),
    ...(partTargetS === undefined ? {} : { partTargetS }),
  };
}

function positive(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
