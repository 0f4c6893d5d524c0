/**
 * Starts the local stack for a bench run: sample media (ensureMedia), a catalogue root with N titles
 * (/cat/tNNNN/ → the TS VOD, symlinked inside the root so the packager serves them), and
 * packager → counting proxy → shield → edge. Stops everything it started. Loopback only.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ensureMedia } from '../scripts/media/make-media.ts';
import { DEV_KEYS_FILE, DevKeysError, readDevKeys } from '../scripts/sign/dev-keys.ts';
import { freePort } from '../scripts/stack/ports.ts';
import { REPO_ROOT, type Stack, stackSigner, startStack } from '../scripts/stack/start-stack.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';
import { BenchUsageError } from './errors.ts';
import { assertLoopback } from './http.ts';
import { titleMaster } from './lib/catalogue.ts';
import type { LocalStackUrls, StackProbe } from './lib/stack-mode.ts';
import { tokenFrom } from './lib/token.ts';
import type { StackNeeds, TokenSubject } from './scenario.ts';

/** A bare viewer token for `path` carrying the viewer's `sub` and `sid`. */
export type BenchSigner = (path: string, subject: TokenSubject) => Promise<string | undefined>;

export interface BenchStack {
  readonly edgeUrl: string;
  readonly shieldUrl: string;
  readonly packagerUrl: string;
  readonly mediaRoot: string;
  readonly origin: CountingProxy;
  /** A bare token from the stack's signer (dev keys) with the viewer's `sub` and `sid`. */
  readonly sign?: BenchSigner;
  stop(): Promise<void>;
}

// Re-exported for the scenarios that import it from here; the pure definition lives in lib/.
export { titleMaster } from './lib/catalogue.ts';

/** The bench's own media root (a temporary directory): the only root it ever writes catalogue links into. */
export const BENCH_MEDIA_ROOT = join(tmpdir(), 'edgeshield-bench-media');

/** True for the bench's own media root, false for any other (an operator's, `.media`). */
export function isBenchMediaRoot(root: string): boolean {
  return resolve(root) === resolve(BENCH_MEDIA_ROOT);
}

/** Builds (or reuses) a media root holding the sample media plus `titles` catalogue entries. */
export async function ensureCatalogue(titles: number): Promise<string> {
  const media = resolve(REPO_ROOT, '.media');
  await ensureMedia(media);
  const root = BENCH_MEDIA_ROOT;
  if (!existsSync(join(root, 'vod', 'ts', 'master.m3u8'))) {
    mkdirSync(root, { recursive: true });
    await cp(join(media, 'vod'), join(root, 'vod'), { recursive: true });
  }
  linkCatalogue(root, titles);
  writeFileSync(join(root, 'README.txt'), 'edgeshield bench media root (generated; safe to delete)\n');
  return root;
}

/**
 * Adds `titles` entries /cat/tNNNN → ../vod/ts to the bench's own media root (idempotent). Refuses any
 * other root: an operator's media are never written to.
 */
export function linkCatalogue(root: string, titles: number): void {
  if (!isBenchMediaRoot(root))
    throw new TypeError(`linkCatalogue: ${root} is not the bench's media root (${BENCH_MEDIA_ROOT})`);
  const cat = join(root, 'cat');
  mkdirSync(cat, { recursive: true });
  const have = new Set(readdirSync(cat));
  for (let i = 0; i < titles; i++) {
    const name = `t${String(i).padStart(4, '0')}`;
    // Relative link inside the root: the packager refuses links that leave it.
    if (have.has(name)) continue;
    try {
      symlinkSync(join('..', 'vod', 'ts'), join(cat, name), 'dir');
    } catch (e) {
      // Another bench run made it first.
      if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
    }
  }
}

/** Answers of the local stack's health URLs, each bounded by `timeoutMs`. */
export async function probeLocalStack(urls: LocalStackUrls, timeoutMs = 1000): Promise<StackProbe> {
  const answers = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  };
  const [edge, shield, packager] = await Promise.all([
    answers(`${urls.edge}/healthz`),
    answers(`${urls.shield}/healthz`),
    answers(`${urls.packager}/vod/ts/master.m3u8`),
  ]);
  return { edge, shield, packager };
}

/** Whether the packager at `packagerUrl` serves the first and the last of `titles` catalogue entries. */
export async function catalogueServed(
  packagerUrl: string,
  titles: number,
  timeoutMs = 1000,
): Promise<boolean> {
  const answers = async (i: number) => {
    try {
      const res = await fetch(`${packagerUrl}${titleMaster(i)}`, {
        method: 'HEAD',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  };
  const [first, last] = await Promise.all([answers(0), answers(titles - 1)]);
  return first && last;
}

/**
 * The status of one viewer request to the target, signed when `sign` is given: the probe that tells a
 * token-gated edge (401) before any load is sent (see targetRefusal). Loopback only.
 */
export async function probeTarget(
  edge: string,
  path: string,
  sign: BenchSigner | undefined,
  timeoutMs = 10_000,
): Promise<{ status: number; signed: boolean }> {
  const url = new URL(path, edge);
  assertLoopback(url);
  const token = await sign?.('/', { sub: 'bench-probe', sid: 'bench-probe' });
  if (token !== undefined) url.searchParams.set('token', token);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  return { status: res.status, signed: token !== undefined };
}

/**
 * Viewer tokens from an existing key directory (`--sign-keys`; `.dev-keys/` of `npm start`): never
 * makes keys, since new ones would not be the ones the edge verifies.
 */
export async function signerFromKeys(dirOrFile: string, edgeUrl: string): Promise<BenchSigner> {
  const dir = basename(dirOrFile) === DEV_KEYS_FILE ? dirname(dirOrFile) : dirOrFile;
  if (!existsSync(join(dir, DEV_KEYS_FILE)))
    throw new BenchUsageError(
      `--sign-keys: no ${DEV_KEYS_FILE} in ${resolve(dir)} (npm start makes one in .dev-keys/)`,
    );
  try {
    const keys = await readDevKeys(dir);
    return viewerSigner(stackSigner(keys.signer, edgeUrl));
  } catch (error) {
    if (error instanceof DevKeysError) throw new BenchUsageError(`--sign-keys: ${error.message}`);
    throw error;
  }
}

/**
 * Viewer tokens for a running stack the bench did not start (`npm start`): signed with the dev keys
 * (.dev-keys/) that `npm start` gives its edge, through the same signer startStack uses.
 */
export function localStackSigner(edgeUrl: string): Promise<BenchSigner> {
  // Never make keys here: new ones would not be the ones the running edge verifies.
  return signerFromKeys(join(REPO_ROOT, '.dev-keys'), edgeUrl);
}

/** Every viewer gets its own token: sub = viewer id, sid = session id (checked by the edge, logged). */
function viewerSigner(sign: Stack['sign']): BenchSigner {
  return async (path, subject) => tokenFrom(await sign(path, { sub: subject.sub, sid: subject.sid }));
}

/** Starts packager → counting proxy → shield → edge for `needs`. */
export async function startBenchStack(needs: StackNeeds, echo = false): Promise<BenchStack> {
  const mediaRoot = await ensureCatalogue(needs.catalogueTitles ?? 0);
  const packagerPort = await freePort();
  const origin = await startCountingProxy(`http://127.0.0.1:${packagerPort}`);
  let stack: Stack;
  try {
    stack = await startStack({
      mediaDir: mediaRoot,
      packagerPort,
      echo,
      ...(needs.packagerEnv === undefined ? {} : { packagerEnv: needs.packagerEnv }),
      shieldEnv: { SHIELD_LOG_LEVEL: 'warn', ...needs.shieldEnv, SHIELD_UPSTREAMS: origin.url },
      // Auth becomes required by default (issue 3); the bench brings its own tokens only as load.
      edgeVars: { AUTH_MODE: 'off', ...needs.edgeVars },
    });
  } catch (e) {
    await origin.close();
    throw e;
  }
  origin.reset(); // readiness probes are not load
  const sign = viewerSigner(stack.sign);
  return {
    edgeUrl: stack.edgeUrl,
    shieldUrl: stack.shieldUrl,
    packagerUrl: stack.packagerUrl,
    mediaRoot,
    origin,
    sign,
    async stop() {
      await stack.stop();
      await origin.close();
    },
  };
}
