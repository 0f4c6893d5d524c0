/**
 * Starts the local stack for a bench run: sample media (ensureMedia), a catalogue root with N titles
 * (/cat/tNNNN/ → the TS VOD, symlinked inside the root so the packager serves them), and
 * packager → counting proxy → shield → edge. Stops everything it started. Loopback only.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureMedia } from '../scripts/media/make-media.ts';
import { freePort } from '../scripts/stack/ports.ts';
import { REPO_ROOT, type Stack, startStack } from '../scripts/stack/start-stack.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';
import type { StackNeeds } from './scenario.ts';

export interface BenchStack {
  readonly edgeUrl: string;
  readonly shieldUrl: string;
  readonly packagerUrl: string;
  readonly mediaRoot: string;
  readonly origin: CountingProxy;
  /** The stack's signer when the auth work provides one. */
  readonly sign?: (path: string, viewer: string) => Promise<string | undefined>;
  stop(): Promise<void>;
}

// Re-exported for the scenarios that import it from here; the pure definition lives in lib/.
export { titleMaster } from './lib/catalogue.ts';

/** Builds (or reuses) a media root holding the sample media plus `titles` catalogue entries. */
export async function ensureCatalogue(titles: number): Promise<string> {
  const media = resolve(REPO_ROOT, '.media');
  await ensureMedia(media);
  const root = join(tmpdir(), 'edgeshield-bench-media');
  if (!existsSync(join(root, 'vod', 'ts', 'master.m3u8'))) {
    mkdirSync(root, { recursive: true });
    await cp(join(media, 'vod'), join(root, 'vod'), { recursive: true });
  }
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
  writeFileSync(join(root, 'README.txt'), 'edgeshield bench media root (generated; safe to delete)\n');
  return root;
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
  const signer = (stack as { sign?: unknown }).sign;
  const sign =
    typeof signer === 'function'
      ? async (path: string) => tokenFrom(String(await (signer as (p: string) => unknown).call(stack, path)))
      : undefined;
  return {
    edgeUrl: stack.edgeUrl,
    shieldUrl: stack.shieldUrl,
    packagerUrl: stack.packagerUrl,
    mediaRoot,
    origin,
    ...(sign === undefined ? {} : { sign }),
    async stop() {
      await stack.stop();
      await origin.close();
    },
  };
}

/** A signer may return a token or a signed URL; the bench wants the token. */
function tokenFrom(signed: string): string | undefined {
  if (!signed.includes('/') && !signed.includes('?')) return signed;
  try {
    return new URL(signed, 'http://x').searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}
