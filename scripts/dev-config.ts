/**
 * `npm start` configuration: parses the dev stack's own keys (ports, PACKAGER_ROOT, SHIELD_UPSTREAMS,
 * START_PATH) once, naming each bad key, and picks the edge's settings from `.dev.vars` and the
 * environment. Pure apart from what it is handed; must not start anything (dev.ts does).
 */
import { resolve } from 'node:path';
import { pickEdgeSettings } from './stack/edge-env.ts';

export interface DevConfig {
  /** Where the dev packager serves from; undefined when fronting the operator's origin. */
  readonly mediaDir: string | undefined;
  /** SHIELD_UPSTREAMS: the operator's origins; the dev packager is not started. */
  readonly upstreams: readonly string[] | undefined;
  /** START_PATH: a path on the origin to print signed URLs for (front mode). */
  readonly startPath: string | undefined;
  readonly packagerPort: number;
  readonly shieldPort: number;
  readonly edgePort: number;
  readonly inspectorPort: number;
  readonly playerPort: number;
  /** Edge bindings from `.dev.vars` then the environment (the environment wins), minus stack-owned keys. */
  readonly edgeSettings: Readonly<Record<string, string>>;
  /** SHIELD_SHARED_SECRET given by the operator, and where it came from. */
  readonly sharedSecret: { readonly value: string; readonly from: string } | undefined;
  /** Operator keys the stack sets itself, with why (printed as notes). */
  readonly ignored: readonly string[];
}

/**
 * @example parseDevConfig({ EDGE_PORT: 'abc' }, {}, '/repo') // ['EDGE_PORT: expected integer 1-65535, got "abc"']
 */
export function parseDevConfig(
  env: NodeJS.ProcessEnv,
  devVars: Readonly<Record<string, string>>,
  repoRoot: string,
): DevConfig | string[] {
  const issues: string[] = [];
  const port = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      issues.push(`${key}: expected integer 1-65535, got "${raw}"`);
    return n;
  };
  const upstreams = parseUpstreams(env.SHIELD_UPSTREAMS, issues);
  const root = env.PACKAGER_ROOT || undefined;
  if (upstreams !== undefined && root !== undefined) {
    issues.push(
      `PACKAGER_ROOT: expected unset with SHIELD_UPSTREAMS (the shield fronts that origin), got "${root}"`,
    );
  }
  const startPath = env.START_PATH || undefined;
  if (startPath !== undefined && (!startPath.startsWith('/') || /[?#\s]/.test(startPath))) {
    issues.push(`START_PATH: expected a path like /vod/master.m3u8, got "${startPath}"`);
  }
  const picked = pickEdgeSettings([devVars, env]);
  const ignored: string[] = [];
  const { SHIELD_URLS, SHIELD_SHARED_SECRET, ...edgeSettings } = picked;
  if (SHIELD_URLS !== undefined) ignored.push('SHIELD_URLS (the edge uses the shield npm start runs)');
  const secretFrom = env.SHIELD_SHARED_SECRET ? 'environment' : '.dev.vars';
  const config: DevConfig = {
    mediaDir: upstreams === undefined ? resolve(root ?? resolve(repoRoot, '.media')) : undefined,
    upstreams,
    startPath,
    packagerPort: port('PACKAGER_PORT', 8080),
    shieldPort: port('SHIELD_PORT', 8081),
    edgePort: port('EDGE_PORT', 8787),
    inspectorPort: port('EDGE_INSPECTOR_PORT', 9239),
    playerPort: port('PLAYER_PORT', 8090),
    edgeSettings,
    sharedSecret: SHIELD_SHARED_SECRET ? { value: SHIELD_SHARED_SECRET, from: secretFrom } : undefined,
    ignored,
  };
  return issues.length > 0 ? issues : Object.freeze(config);
}

function parseUpstreams(raw: string | undefined, issues: string[]): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const [i, item] of items.entries()) {
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
      issues.push(`SHIELD_UPSTREAMS[${i}]: expected an absolute http(s) URL, got "${item}"`);
    }
  }
  return items;
}
