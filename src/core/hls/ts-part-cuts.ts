/**
 * Where to cut one MPEG-TS segment into LL-HLS parts (RFC 8216bis §4.4.4.9): at the start of the
 * video PES whose decode time is the part's start, so no video frame is split across two parts.
 * Used by the dev packager's LL-HLS mode (scripts/packager/live-ll.ts). Pure: bytes in, byte
 * offsets out; no I/O, no clock. Must not rewrite packets (the parts of a segment concatenate to the
 * segment byte for byte).
 *
 * Why frame boundaries matter: hls.js carries a truncated PES over to the next part only when the
 * PES header states its length; video PES are usually unbounded (length 0), so a frame cut in two
 * is decoded truncated and the remainder is dropped, which shows up as bufferStalledError /
 * bufferAppendingError. Audio PES carry their length and survive a cut.
 */

const TS_PACKET = 188;
const SYNC = 0x47;
/** 90 kHz ticks: a start up to 5 ms before the ideal cut still counts as on time. */
const TOLERANCE_TICKS = 450;

interface VideoStart {
  readonly offset: number;
  readonly dts: number;
}

/**
 * `parts + 1` ascending byte offsets (first 0, last `bytes.length`), each a multiple of 188.
 * Part k starts at the first video PES whose DTS is at least k × partTargetMs after the segment's
 * first one. Bytes that are not parseable MPEG-TS with a video stream fall back to equal-size cuts
 * on packet boundaries.
 *
 * @example tsPartCuts(segmentBytes, 4, 500) // [0, 41736, 86292, 129532, 223344]
 */
export function tsPartCuts(bytes: Uint8Array, parts: number, partTargetMs: number): number[] {
  const starts = videoStarts(bytes);
  const first = starts[0];
  const cuts = [0];
  for (let k = 1; k < parts; k++) {
    let cut: number;
    if (first === undefined) {
      cut = Math.floor((bytes.length * k) / parts / TS_PACKET) * TS_PACKET;
    } else {
      const target = first.dts + k * partTargetMs * 90 - TOLERANCE_TICKS;
      cut = starts.find((s) => s.dts >= target)?.offset ?? bytes.length;
    }
    cuts.push(Math.max(cut, cuts[cuts.length - 1] ?? 0));
  }
  cuts.push(bytes.length);
  return cuts;
}

/** Offsets and DTS of every PES start on the first video PID (stream_id 0xE0–0xEF). */
function videoStarts(bytes: Uint8Array): VideoStart[] {
  const starts: VideoStart[] = [];
  let videoPid: number | undefined;
  for (let off = 0; off + TS_PACKET <= bytes.length; off += TS_PACKET) {
    if (bytes[off] !== SYNC) return [];
    const b1 = bytes[off + 1] ?? 0;
    const pusi = (b1 & 0x40) !== 0;
    if (!pusi) continue;
    const pid = ((b1 & 0x1f) << 8) | (bytes[off + 2] ?? 0);
    if (videoPid !== undefined && pid !== videoPid) continue;
    const afc = ((bytes[off + 3] ?? 0) >> 4) & 3;
    if ((afc & 1) === 0) continue; // no payload
    const payload = off + 4 + ((afc & 2) !== 0 ? 1 + (bytes[off + 4] ?? 0) : 0);
    const dts = pesDecodeTime(bytes, payload, off + TS_PACKET);
    if (dts === undefined) continue;
    videoPid = pid;
    starts.push({ offset: off, dts });
  }
  return starts;
}

/** DTS (or PTS when there is no DTS) of a video PES header at `at`, in 90 kHz ticks. */
function pesDecodeTime(bytes: Uint8Array, at: number, end: number): number | undefined {
  if (at + 19 > end || bytes[at] !== 0 || bytes[at + 1] !== 0 || bytes[at + 2] !== 1) return undefined;
  const streamId = bytes[at + 3] ?? 0;
  if (streamId < 0xe0 || streamId > 0xef) return undefined;
  const ptsDtsFlags = ((bytes[at + 7] ?? 0) >> 6) & 3;
  if (ptsDtsFlags === 3) return timestamp(bytes, at + 14);
  if (ptsDtsFlags === 2) return timestamp(bytes, at + 9);
  return undefined;
}

/** A 33-bit PES timestamp (ISO/IEC 13818-1 §2.4.3.7), as a safe integer. */
function timestamp(bytes: Uint8Array, at: number): number {
  const b = (i: number) => bytes[at + i] ?? 0;
  return ((b(0) >> 1) & 0x07) * 2 ** 30 + (b(1) << 22) + ((b(2) >> 1) << 15) + (b(3) << 7) + (b(4) >> 1);
}
