import { describe, expect, it } from 'vitest';
import { tsPartCuts } from '../../../src/core/hls/ts-part-cuts.ts';

const VIDEO_PID = 0x100;
const AUDIO_PID = 0x101;
const FRAME_TICKS = 3000; // 30 fps at 90 kHz

/** One 188-byte TS packet; with `pes`, a PES header (stream id, PTS+DTS) starts its payload. */
function packet(pid: number, pes?: { streamId: number; pts: number; dts: number }): Uint8Array {
  const p = new Uint8Array(188).fill(0xff);
  p.set([0x47, (pes ? 0x40 : 0) | (pid >> 8), pid & 0xff, 0x10]);
  if (pes) {
    p.set([0, 0, 1, pes.streamId, 0, 0, 0x80, 0xc0, 10], 4);
    p.set(timestamp(0x3, pes.pts), 13);
    p.set(timestamp(0x1, pes.dts), 18);
  }
  return p;
}

/** ISO/IEC 13818-1 §2.4.3.7 PTS/DTS field. */
function timestamp(prefix: number, t: number): number[] {
  const high = Math.floor(t / 2 ** 30) & 0x7;
  return [
    (prefix << 4) | (high << 1) | 1,
    (t >> 22) & 0xff,
    (((t >> 15) & 0x7f) << 1) | 1,
    (t >> 7) & 0xff,
    ((t & 0x7f) << 1) | 1,
  ];
}

/**
 * A 2 s segment: PAT/PMT stand-ins, then 60 frames of 3 packets each (B-frame style PTS > DTS),
 * with an audio PES between frames. Returns the bytes and the offset of every video frame start.
 */
function segment(startDts = 900_000): { bytes: Uint8Array; frames: number[] } {
  const packets: Uint8Array[] = [packet(0), packet(0x1000)];
  const frames: number[] = [];
  for (let f = 0; f < 60; f++) {
    const dts = startDts + f * FRAME_TICKS;
    frames.push(packets.length * 188);
    packets.push(packet(VIDEO_PID, { streamId: 0xe0, pts: dts + 2 * FRAME_TICKS, dts }));
    packets.push(packet(VIDEO_PID), packet(VIDEO_PID));
    packets.push(packet(AUDIO_PID, { streamId: 0xc0, pts: dts, dts }));
  }
  const bytes = new Uint8Array(packets.length * 188);
  for (const [i, p] of packets.entries()) bytes.set(p, i * 188);
  return { bytes, frames };
}

describe('tsPartCuts (RFC 8216bis §4.4.4.9 partial segments of MPEG-TS)', () => {
  it('cuts where the video frame decoded k × part target after the first one starts', () => {
    const { bytes, frames } = segment();
    // 0.5 s at 30 fps = 15 frames per part.
    expect(tsPartCuts(bytes, 4, 500)).toEqual([0, frames[15], frames[30], frames[45], bytes.length]);
  });

  it('never splits a video frame: every inner cut is a video PES start', () => {
    const { bytes, frames } = segment();
    const inner = tsPartCuts(bytes, 4, 500).slice(1, -1);
    expect(inner.every((c) => frames.includes(c))).toBe(true);
  });

  it('reads DTS above 2^32 (33-bit timestamps)', () => {
    const { bytes, frames } = segment(2 ** 32 + 1_000);
    expect(tsPartCuts(bytes, 4, 500)[1]).toBe(frames[15]);
  });

  it('falls back to equal cuts on packet boundaries for bytes that are not MPEG-TS video', () => {
    const bytes = new Uint8Array(188 * 40).fill(0x47);
    expect(tsPartCuts(bytes, 4, 500)).toEqual([0, 188 * 10, 188 * 20, 188 * 30, 188 * 40]);
  });

  it('returns one part spanning the segment when asked for one', () => {
    const { bytes } = segment();
    expect(tsPartCuts(bytes, 1, 500)).toEqual([0, bytes.length]);
  });
});
