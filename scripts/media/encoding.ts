/**
 * What the sample media is and the ffmpeg command lines that make it. No I/O: make-media.ts runs
 * these and checks the result.
 *
 * Deterministic input (lavfi testsrc2 + sine), three H.264/AAC renditions encoded by one ffmpeg that
 * renders the pattern once, then a copy-only remux of every TS rendition to fMP4 (same frames, same
 * segment cuts), and a copy-only remux of the TS renditions encrypted with AES-128 (aes.ts). Measured
 * on a 2-core box: one process with split ≈ three sequential ones (~11 s idle), and each remux takes
 * well under a second.
 */

/** Ladder: name, size and video bit rate (AAC 128k stereo 48 kHz on every rendition). */
export const RENDITIONS = [
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
  { name: '540p', width: 960, height: 540, videoBitrate: 1_400_000 },
  { name: '720p', width: 1280, height: 720, videoBitrate: 2_500_000 },
] as const;

export const FRAME_RATE = 30;
export const SEGMENT_SECONDS = 2;
const DURATION_SECONDS = 30;
const AUDIO_BITRATE = '128k';

export type Rendition = (typeof RENDITIONS)[number];

/** One ffmpeg: the pattern is rendered once, split and scaled, and encoded to three HLS outputs. */
export function encodeArgs(): string[] {
  const scales = RENDITIONS.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`);
  const filter = `[0:v]format=yuv420p,split=${RENDITIONS.length}${RENDITIONS.map((_, i) => `[s${i}]`).join('')};${scales.join(';')}`;
  const args = [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FRAME_RATE}:duration=${DURATION_SECONDS}`],
    ...[
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${DURATION_SECONDS}`,
    ],
    ...['-filter_complex', filter],
  ];
  for (const [i, r] of RENDITIONS.entries()) {
    args.push(
      ...['-map', `[v${i}]`, '-map', '1:a'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main'],
      ...['-b:v', `${r.videoBitrate}`, '-maxrate', `${Math.round(r.videoBitrate * 1.07)}`],
      ...['-bufsize', `${Math.round(r.videoBitrate * 1.5)}`],
      // Key frames exactly every segment so every segment starts independently decodable.
      ...[
        '-g',
        `${FRAME_RATE * SEGMENT_SECONDS}`,
        '-keyint_min',
        `${FRAME_RATE * SEGMENT_SECONDS}`,
        '-sc_threshold',
        '0',
      ],
      ...['-c:a', 'aac', '-b:a', AUDIO_BITRATE, '-ac', '2', '-ar', '48000'],
      ...hlsArgs(),
      ...['-hls_segment_filename', `${r.name}/seg_%05d.ts`, `${r.name}/index.m3u8`],
    );
  }
  return args;
}

/** One ffmpeg remuxes every TS rendition to fMP4 without re-encoding (same frames, same cuts). */
export function remuxArgs(): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-y'];
  for (const r of RENDITIONS) args.push('-i', `ts/${r.name}/index.m3u8`);
  for (const [i, r] of RENDITIONS.entries()) {
    args.push(
      ...['-map', `${i}`, '-c', 'copy', '-bsf:a', 'aac_adtstoasc'],
      ...hlsArgs(),
      ...['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'],
      ...['-hls_segment_filename', `fmp4/${r.name}/seg_%05d.m4s`, `fmp4/${r.name}/index.m3u8`],
    );
  }
  return args;
}

/**
 * One ffmpeg remuxes every TS rendition (`-c copy`, same cuts) into `aes/<rendition>/`, encrypting each
 * segment with AES-128 as described by `keyInfoFile` (ffmpeg's format: key URI, key file, IV).
 */
export function aesRemuxArgs(keyInfoFile: string): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-y'];
  for (const r of RENDITIONS) args.push('-i', `ts/${r.name}/index.m3u8`);
  for (const [i, r] of RENDITIONS.entries()) {
    args.push(
      ...['-map', `${i}`, '-c', 'copy'],
      ...hlsArgs(),
      ...['-hls_key_info_file', keyInfoFile],
      ...['-hls_segment_filename', `aes/${r.name}/seg_%05d.ts`, `aes/${r.name}/index.m3u8`],
    );
  }
  return args;
}

function hlsArgs(): string[] {
  return [
    ...['-f', 'hls', '-hls_time', `${SEGMENT_SECONDS}`, '-hls_playlist_type', 'vod'],
    ...['-hls_flags', 'independent_segments'],
  ];
}
