/** The cluster primary's stdout egress writes (origin/cluster/egress-writer.ts): whole lines, ≤ PIPE_BUF per write. */
import { describe, expect, it } from 'vitest';
import { pipePieces } from '../../origin/cluster/egress-writer.ts';

const line = (i: number, size: number) => `${JSON.stringify({ i, pad: 'x'.repeat(size) })}\n`;

describe('pipePieces', () => {
  it('cuts a batch into pieces of at most 4096 bytes, each ending at a line end', () => {
    const batch = Array.from({ length: 100 }, (_, i) => line(i, 300)).join('');
    const pieces = pipePieces(batch);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(batch);
    for (const piece of pieces) {
      expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(4096);
      expect(piece.endsWith('\n')).toBe(true);
    }
  });

  it('keeps a single line longer than 4096 bytes whole rather than splitting it', () => {
    const long = line(1, 5000);
    const batch = `${line(0, 10)}${long}${line(2, 10)}`;
    expect(pipePieces(batch)).toContain(long);
  });
});
