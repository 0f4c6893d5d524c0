/**
 * Master playlist text and RFC 6381 codec strings for the sample media. Pure: no I/O.
 *
 * Codec strings come from what was actually encoded (the avcC box of the fMP4 init segment and
 * ffprobe's AAC profile), never from the encoder settings we asked for: players use CODECS to decide
 * whether they can play a variant at all.
 */

export interface MasterVariant {
  /** Relative URI of the media playlist, e.g. `360p/index.m3u8`. */
  readonly uri: string;
  /** Peak segment bit rate, bits/s (RFC 8216 §4.3.4.2). */
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly width: number;
  readonly height: number;
  readonly codecs: string;
  readonly frameRate: number;
}

/**
 * @example serializeMaster([{ uri: '360p/index.m3u8', bandwidth: 900000, … }], 3)
 *   // '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=900000,…'
 */
export function serializeMaster(variants: readonly MasterVariant[], version: number): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${version}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    const attributes = [
      `BANDWIDTH=${v.bandwidth}`,
      `AVERAGE-BANDWIDTH=${v.averageBandwidth}`,
      `RESOLUTION=${v.width}x${v.height}`,
      `CODECS="${v.codecs}"`,
      `FRAME-RATE=${v.frameRate.toFixed(3)}`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `avc1.PPCCLL` from the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1) inside an MP4
 * init segment: profile_idc, constraint flags and level_idc, exactly as the encoder wrote them.
 *
 * @example avcCodecFromInit(initMp4Bytes) // 'avc1.4d401f'
 */
export function avcCodecFromInit(init: Uint8Array): string | undefined {
  const at = indexOfAscii(init, 'avcC');
  if (at < 0) return undefined;
  // Box payload: configurationVersion (1), AVCProfileIndication, profile_compatibility, AVCLevelIndication.
  const bytes = init.subarray(at + 5, at + 8);
  if (bytes.length !== 3 || init[at + 4] !== 1) return undefined;
  return `avc1.${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const AAC_OBJECT_TYPES: Readonly<Record<string, number>> = { LC: 2, 'HE-AAC': 5, 'HE-AACv2': 29 };

/**
 * `mp4a.40.N` (RFC 6381 §3.3) from ffprobe's AAC profile name.
 *
 * @example aacCodecOf('LC') // 'mp4a.40.2'
 */
export function aacCodecOf(profile: string): string | undefined {
  const objectType = AAC_OBJECT_TYPES[profile];
  return objectType === undefined ? undefined : `mp4a.40.${objectType}`;
}

function indexOfAscii(haystack: Uint8Array, needle: string): number {
  const codes = Array.from(needle, (c) => c.charCodeAt(0));
  outer: for (let i = 0; i + codes.length <= haystack.length; i += 1) {
    for (const [j, code] of codes.entries()) if (haystack[i + j] !== code) continue outer;
    return i;
  }
  return -1;
}
