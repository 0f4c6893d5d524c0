/**
 * The AES-128 flavour of the sample media (`vod/aes/…`): the TS renditions remuxed (`-c copy`) by ffmpeg's
 * hls muxer with `-hls_key_info_file`, so every segment is the TS segment encrypted whole with AES-128-CBC
 * (RFC 8216 §4.3.2.4, METHOD=AES-128), and the key served as a plain 16-byte file the edge protects.
 *
 * The key and IV are derived from fixed seeds, not random: every generated set is byte-identical and
 * tests can compare decrypted bytes. They are public knowledge — this media protects nothing; it exists
 * so the key delivery path (token required, `Cache-Control: no-store, private`) is tested end to end.
 * Must not encode (it only remuxes the TS flavour) and must not write anything outside `vod/aes`.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PackagerError } from '../packager/errors.ts';
import { aesRemuxArgs, RENDITIONS } from './encoding.ts';
import { runTool } from './ffmpeg.ts';

/** Where the key lives under the media root, and so under the edge: `/vod/aes/key/k1.key`. */
export const AES_KEY_PATH = 'vod/aes/key/k1.key';
/**
 * The EXT-X-KEY URI as written in `vod/aes/<rendition>/index.m3u8`: relative, so a path-form token
 * (`/~t/<token>/vod/aes/…`) carries over to the key request like it does to segments.
 */
export const AES_KEY_URI = '../key/k1.key';

const KEY_SEED = 'edgeshield sample media AES-128 key v1';
const IV_SEED = 'edgeshield sample media AES-128 IV v1';

/**
 * The 16-byte content key of the sample AES flavour (a fresh copy each call).
 *
 * @example sampleAesKey().length // 16
 */
export function sampleAesKey(): Buffer {
  return createHash('sha256').update(KEY_SEED).digest().subarray(0, 16);
}

/**
 * The explicit IV written into EXT-X-KEY. Not zero on purpose: a player that ignored IV and fell back
 * to the media sequence number (RFC 8216 §5.2) would fail to decrypt instead of passing by luck.
 *
 * @example sampleAesIv().toString('hex') // 32 hex digits
 */
export function sampleAesIv(): Buffer {
  return createHash('sha256').update(IV_SEED).digest().subarray(0, 16);
}

/**
 * Writes the key, runs one ffmpeg remux of the three TS renditions into `vod/aes/<rendition>/`, and
 * checks the result: each playlist declares our key and IV, and the first segment of each rendition
 * decrypts to exactly the TS segment it came from. `vod` is the generation's `vod` directory, with
 * `ts/` complete and `aes/<rendition>/` already created.
 */
export async function makeAesFlavour(vod: string): Promise<void> {
  const keyFile = path.join(vod, '..', AES_KEY_PATH);
  await writeFile(keyFile, sampleAesKey());
  // ffmpeg's key info file: key URI for the playlist, key file to read, IV (hex). A dot-file in the
  // media root so the packager never serves it; removed right after.
  const keyInfo = path.join(vod, '..', '.aes-key-info');
  await writeFile(keyInfo, `${AES_KEY_URI}\n${keyFile}\n${sampleAesIv().toString('hex')}\n`);
  try {
    await runTool('ffmpeg', aesRemuxArgs(keyInfo), { cwd: vod });
  } finally {
    await rm(keyInfo, { force: true });
  }
  for (const r of RENDITIONS) await checkRendition(vod, r.name);
}

async function checkRendition(vod: string, name: string): Promise<void> {
  const playlist = await readFile(path.join(vod, 'aes', name, 'index.m3u8'), 'utf8');
  const expected = `#EXT-X-KEY:METHOD=AES-128,URI="${AES_KEY_URI}",IV=0x${sampleAesIv().toString('hex')}`;
  const keyLines = playlist.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:'));
  const cipher = await readFile(path.join(vod, 'aes', name, 'seg_00000.ts'));
  const plain = await readFile(path.join(vod, 'ts', name, 'seg_00000.ts'));
  if (keyLines.length !== 1 || keyLines[0] !== expected || !decryptSampleAes(cipher).equals(plain)) {
    throw new PackagerError(
      'PACKAGER_ERR_MEDIA_INVALID',
      `aes/${name}: expected one "${expected}" and seg_00000.ts decrypting to ts/${name}/seg_00000.ts, got ${JSON.stringify(keyLines)}`,
    );
  }
}

/**
 * Decrypts a segment of the sample AES flavour (AES-128-CBC with PKCS#7 padding, RFC 8216 §4.3.2.4);
 * an empty buffer when the bytes are not a valid ciphertext under the sample key.
 *
 * @example decryptSampleAes(readFileSync('.media/vod/aes/360p/seg_00000.ts')) // the TS segment's bytes
 */
export function decryptSampleAes(cipher: Uint8Array): Buffer {
  try {
    const decipher = createDecipheriv('aes-128-cbc', sampleAesKey(), sampleAesIv());
    return Buffer.concat([decipher.update(cipher), decipher.final()]);
  } catch {
    return Buffer.alloc(0);
  }
}
