/**
 * Golden pairs (videojs/m3u8-parser style): test/fixtures/manifests/<case>.m3u8 rewritten under each
 * GOLDEN_POLICIES entry must equal <case>.<policy>.expected.m3u8, byte for byte. Node-only (reads
 * files); the same engine runs in workerd through test/unit/hls. `UPDATE_GOLDEN=1` writes missing
 * or changed expected files — review the diff before committing them.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlaylist } from '../../src/core/hls/parse.ts';
import { personalizePlaylistText } from '../../src/core/hls/personalize.ts';
import { serializePlaylist } from '../../src/core/hls/serialize.ts';
import { GOLDEN_POLICIES } from '../fixtures/manifests/golden-policies.ts';

const DIR = new URL('../fixtures/manifests/', import.meta.url).pathname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const files = readdirSync(DIR);
const inputs = files.filter((f) => f.endsWith('.m3u8') && !f.includes('.expected.'));
const caseOf = (f: string) => f.slice(0, -'.m3u8'.length);
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

describe('manifest fixtures', () => {
  it('has at least one ffmpeg, LL-HLS, encrypted, byte-range and malformed case', () => {
    for (const prefix of [
      'ffmpeg-ts-',
      'ffmpeg-fmp4-',
      'll-hls-',
      'encrypted-',
      'byterange-',
      'malformed-',
    ]) {
      expect(
        inputs.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  it('every input has an expected output for every golden policy, and no expected file is orphaned', () => {
    const wanted = new Set(
      inputs.flatMap((f) => Object.keys(GOLDEN_POLICIES).map((p) => `${caseOf(f)}.${p}.expected.m3u8`)),
    );
    const present = new Set(files.filter((f) => f.includes('.expected.')));
    if (!UPDATE) expect([...wanted].filter((f) => !present.has(f))).toEqual([]);
    expect([...present].filter((f) => !wanted.has(f))).toEqual([]);
  });

  it.each(inputs)('%s round-trips parse → serialize byte for byte', (file) => {
    const text = read(file);
    expect(serializePlaylist(parsePlaylist(text).playlist)).toBe(text);
  });

  for (const file of inputs) {
    for (const [name, options] of Object.entries(GOLDEN_POLICIES)) {
      it(`${caseOf(file)} under ${name} matches its expected file`, () => {
        const out = personalizePlaylistText(read(file), options).text;
        const expectedFile = `${caseOf(file)}.${name}.expected.m3u8`;
        if (UPDATE && (!existsSync(join(DIR, expectedFile)) || read(expectedFile) !== out)) {
          writeFileSync(join(DIR, expectedFile), out);
        }
        expect(out).toBe(read(expectedFile));
      });
    }
  }

  it('leaves malformed playlists with fatal issues untouched under every policy', () => {
    for (const file of inputs.filter((f) => parsePlaylist(read(f)).issues.some((i) => i.fatal))) {
      for (const options of Object.values(GOLDEN_POLICIES)) {
        const r = personalizePlaylistText(read(file), options);
        expect(r.rewritten, file).toBe(false);
        expect(r.text).toBe(read(file));
      }
    }
  });
});
