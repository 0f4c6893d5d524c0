/**
 * The little HLS parsing a virtual player needs: master variants and media playlist segments, with
 * the LL-HLS server-control facts. Pure; tolerant (unknown tags ignored, never throws). Not the
 * product's playlist model (src/core/hls grows that); this one only drives load.
 */

export interface Variant {
  readonly uri: string;
  readonly bandwidth: number;
  readonly height?: number;
}

export interface MediaSegment {
  readonly msn: number;
  readonly uri: string;
  /** Seconds (EXTINF). */
  readonly duration: number;
}

/** An LL-HLS partial segment (EXT-X-PART, RFC 8216bis §4.4.4.9) of segment `msn`. */
export interface MediaPart {
  readonly msn: number;
  /** Index within its parent segment, from 0. */
  readonly part: number;
  readonly uri: string;
  /** Seconds. */
  readonly duration: number;
}

export interface MediaPlaylist {
  readonly targetDuration: number;
  readonly mediaSequence: number;
  readonly endList: boolean;
  readonly mapUri?: string;
  readonly segments: readonly MediaSegment[];
  /** EXT-X-SERVER-CONTROL CAN-BLOCK-RELOAD=YES (RFC 8216bis §4.4.3.8). */
  readonly canBlockReload: boolean;
  /** EXT-X-PART-INF PART-TARGET, seconds, when LL-HLS. */
  readonly partTarget?: number;
  /** Parts after the last full segment (the live edge's partial segment). */
  readonly trailingParts: number;
  readonly preloadHintUri?: string;
  /** Every EXT-X-PART listed, in order. */
  readonly parts: readonly MediaPart[];
  /** The part the preload hint announces: the one after the last listed part (TYPE=PART hints only). */
  readonly preloadHint?: { readonly msn: number; readonly part: number; readonly uri: string };
}

const ATTR = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;

/** Attribute list of a tag line (RFC 8216 §4.2), quotes stripped. */
export function attributes(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const colon = line.indexOf(':');
  const text = colon < 0 ? '' : line.slice(colon + 1);
  for (const m of text.matchAll(ATTR)) out[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '');
  return out;
}

/** Variants of a master playlist in document order. */
export function parseMaster(text: string): Variant[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const variants: Variant[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = attributes(line);
    const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
    if (uri === undefined) continue;
    const height = Number(attrs.RESOLUTION?.split('x')[1]);
    variants.push({ uri, bandwidth: Number(attrs.BANDWIDTH) || 0, ...(height > 0 ? { height } : {}) });
  }
  return variants;
}

/** A media playlist; missing tags get RFC defaults (media sequence 0). */
export function parseMedia(text: string): MediaPlaylist {
  let targetDuration = 0;
  let mediaSequence = 0;
  let endList = false;
  let mapUri: string | undefined;
  let canBlockReload = false;
  let partTarget: number | undefined;
  let preloadHintUri: string | undefined;
  let pendingDuration: number | undefined;
  let trailingParts = 0;
  let preloadHint: MediaPlaylist['preloadHint'];
  const parts: MediaPart[] = [];
  const segments: MediaSegment[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22)) || 0;
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22)) || 0;
    else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (line.startsWith('#EXT-X-MAP:')) mapUri = attributes(line).URI;
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:'))
      canBlockReload = attributes(line)['CAN-BLOCK-RELOAD'] === 'YES';
    else if (line.startsWith('#EXT-X-PART-INF:'))
      partTarget = Number(attributes(line)['PART-TARGET']) || undefined;
    else if (line.startsWith('#EXT-X-PART:')) {
      const a = attributes(line);
      // A part belongs to the segment whose URI line follows it: the next msn.
      if (a.URI !== undefined)
        parts.push({
          msn: mediaSequence + segments.length,
          part: trailingParts,
          uri: a.URI,
          duration: Number(a.DURATION) || 0,
        });
      trailingParts++;
    } else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) {
      const a = attributes(line);
      preloadHintUri = a.URI;
      if (a.TYPE === 'PART' && a.URI !== undefined)
        preloadHint = { msn: mediaSequence + segments.length, part: trailingParts, uri: a.URI };
    } else if (line.startsWith('#EXTINF:')) pendingDuration = Number.parseFloat(line.slice(8)) || 0;
    else if (!line.startsWith('#')) {
      segments.push({
        msn: mediaSequence + segments.length,
        uri: line,
        duration: pendingDuration ?? targetDuration,
      });
      pendingDuration = undefined;
      trailingParts = 0;
    }
  }
  return {
    targetDuration,
    mediaSequence,
    endList,
    segments,
    canBlockReload,
    trailingParts,
    parts,
    ...(preloadHint === undefined ? {} : { preloadHint }),
    ...(mapUri === undefined ? {} : { mapUri }),
    ...(partTarget === undefined ? {} : { partTarget }),
    ...(preloadHintUri === undefined ? {} : { preloadHintUri }),
  };
}

/**
 * The rendition a bandwidth-model player starts on: the highest BANDWIDTH at most `safety` × the
 * viewer's throughput (hls.js uses a similar factor), else the lowest.
 *
 * @example pickVariant([{ uri: 'a', bandwidth: 1e6 }, { uri: 'b', bandwidth: 3e6 }], 2e6) // a
 */
export function pickVariant(
  variants: readonly Variant[],
  throughputBps: number,
  safety = 0.8,
): Variant | undefined {
  const sorted = [...variants].sort((a, b) => a.bandwidth - b.bandwidth);
  let chosen = sorted[0];
  for (const v of sorted) if (v.bandwidth <= throughputBps * safety) chosen = v;
  return chosen;
}
