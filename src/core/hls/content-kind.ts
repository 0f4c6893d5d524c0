/**
 * What an HLS path names, from its extension alone. Pure: no I/O.
 *
 * The edge routes on this, the packager picks Content-Type from it, and the ledger reports it, so
 * the mapping lives in one place.
 */
export const CONTENT_KINDS = ['playlist', 'segment', 'part', 'key', 'other'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

const TYPES: Readonly<Record<string, { kind: ContentKind; type: string }>> = {
  m3u8: { kind: 'playlist', type: 'application/vnd.apple.mpegurl' },
  ts: { kind: 'segment', type: 'video/mp2t' },
  m4s: { kind: 'segment', type: 'video/iso.segment' },
  mp4: { kind: 'segment', type: 'video/mp4' },
  m4v: { kind: 'segment', type: 'video/mp4' },
  m4a: { kind: 'segment', type: 'audio/mp4' },
  cmfv: { kind: 'segment', type: 'video/mp4' },
  cmfa: { kind: 'segment', type: 'audio/mp4' },
  aac: { kind: 'segment', type: 'audio/aac' },
  ac3: { kind: 'segment', type: 'audio/ac3' },
  ec3: { kind: 'segment', type: 'audio/eac3' },
  mp3: { kind: 'segment', type: 'audio/mpeg' },
  vtt: { kind: 'segment', type: 'text/vtt; charset=utf-8' },
  webvtt: { kind: 'segment', type: 'text/vtt; charset=utf-8' },
  key: { kind: 'key', type: 'application/octet-stream' },
};

function extensionOf(path: string): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot <= 0 ? '' : last.slice(dot + 1).toLowerCase();
}

/**
 * @example contentKindOf('/vod/ts/720p/seg_00001.ts') // 'segment'
 */
export function contentKindOf(path: string): ContentKind {
  return TYPES[extensionOf(path)]?.kind ?? 'other';
}

/**
 * @example contentTypeOf('/vod/master.m3u8') // 'application/vnd.apple.mpegurl'
 */
export function contentTypeOf(path: string): string {
  return TYPES[extensionOf(path)]?.type ?? 'application/octet-stream';
}
