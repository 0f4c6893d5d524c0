/**
 * Dev signing keys for the local stack: made on first use into a git-ignored directory (.dev-keys/),
 * reused afterwards. Gives the edge its verification config (AUTH_JWKS, AUTH_VERIFIERS) and the
 * signer its private material. Never for production: these keys sit unencrypted on disk.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateCloudFrontKeyPair } from '../../src/core/auth/cloudfront-keys.ts';
import type { SignerKeys } from '../../src/core/auth/signer.ts';

export interface DevKeys {
  readonly signer: SignerKeys;
  /** `--var` values for the edge. */
  readonly edgeVars: { readonly AUTH_JWKS: string; readonly AUTH_VERIFIERS: string };
}

interface Stored {
  readonly version: 1;
  readonly jwtPrivate: Record<string, unknown>;
  readonly jwtPublic: Record<string, unknown>;
  readonly edgeauthKey: string;
  readonly securelinkSecret: string;
  readonly cloudfront: {
    readonly keyPairId: string;
    readonly privatePem: string;
    readonly publicPem: string;
  };
}

/** The key file inside a dev-keys directory (the bench's --sign-keys reads it too). */
export const DEV_KEYS_FILE = 'dev-keys.json';

/** A dev keys file that exists but cannot be used; readDevKeys leaves it untouched. */
export class DevKeysError extends Error {
  override name = 'DevKeysError';
}

function isStored(value: unknown): value is Stored {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof Stored, unknown>>;
  const cf = v.cloudfront as Partial<Record<string, unknown>> | undefined;
  return (
    v.version === 1 &&
    typeof v.jwtPrivate === 'object' &&
    v.jwtPrivate !== null &&
    typeof v.jwtPublic === 'object' &&
    v.jwtPublic !== null &&
    typeof v.edgeauthKey === 'string' &&
    typeof v.securelinkSecret === 'string' &&
    typeof cf?.keyPairId === 'string' &&
    typeof cf.privatePem === 'string' &&
    typeof cf.publicPem === 'string'
  );
}

/**
 * Reads existing keys and never writes: for callers that must sign with the keys a running edge
 * already verifies (bench --sign-keys), where fresh keys would silently be the wrong ones.
 * @example const keys = await readDevKeys('.dev-keys') // throws DevKeysError naming the file
 */
export async function readDevKeys(dir: string): Promise<DevKeys> {
  const file = path.join(dir, DEV_KEYS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DevKeysError(`${path.resolve(file)}: cannot read (${code})`);
  }
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    throw new DevKeysError(`${path.resolve(file)}: not JSON (corrupt?); left as it is`);
  }
  if (!isStored(stored))
    throw new DevKeysError(`${path.resolve(file)}: not a version-1 dev keys file; left as it is`);
  return toDevKeys(stored);
}

/**
 * The dev keys in `dir`, made on first use. Only a missing file is made: an unreadable or corrupt one
 * throws DevKeysError and is left as it is (a running edge may still verify with it).
 * @example const keys = await ensureDevKeys(path.join(REPO_ROOT, '.dev-keys'))
 */
export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  const file = path.join(dir, DEV_KEYS_FILE);
  try {
    return await readDevKeys(dir);
  } catch (error) {
    const missing = await readFile(file).then(
      () => false,
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
    if (!missing) throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write a temp file, then link it into place: nobody ever reads half a file, and link() never
  // replaces one. Two stacks starting together both find the file missing; the first link wins and
  // the other reads the winner's keys (a rename would let the loser overwrite keys the winner's edge
  // already verifies with).
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(await generate(), null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  return readDevKeys(dir);
}

function toDevKeys(stored: Stored): DevKeys {
  const kid = String(stored.jwtPublic.kid);
  return {
    signer: {
      jwt: { alg: 'ES256', kid, jwk: stored.jwtPrivate },
      edgeauth: stored.edgeauthKey,
      cloudfront: { keyPairId: stored.cloudfront.keyPairId, privateKeyPem: stored.cloudfront.privatePem },
      securelink: { secret: stored.securelinkSecret },
    },
    edgeVars: {
      AUTH_JWKS: JSON.stringify({ keys: [stored.jwtPublic] }),
      AUTH_VERIFIERS: JSON.stringify([
        { prefix: '/', format: 'edgeauth', key: stored.edgeauthKey },
        {
          prefix: '/',
          format: 'cloudfront',
          keys: { [stored.cloudfront.keyPairId]: stored.cloudfront.publicPem },
        },
        { prefix: '/', format: 'securelink', secret: stored.securelinkSecret },
      ]),
    },
  };
}

async function generate(): Promise<Stored> {
  const kid = `dev-${randomBytes(4).toString('hex')}`;
  const es = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwtPrivate = (await crypto.subtle.exportKey('jwk', es.privateKey)) as Record<string, unknown>;
  const {
    key_ops: _o,
    ext: _e,
    ...pub
  } = (await crypto.subtle.exportKey('jwk', es.publicKey)) as Record<string, unknown>;
  return {
    version: 1,
    jwtPrivate,
    jwtPublic: { ...pub, kid, alg: 'ES256', use: 'sig' },
    edgeauthKey: randomBytes(32).toString('hex'),
    securelinkSecret: randomBytes(16).toString('hex'),
    cloudfront: {
      keyPairId: `K${randomBytes(6).toString('hex').toUpperCase()}`,
      ...(await generateCloudFrontKeyPair(crypto.subtle)),
    },
  };
}
