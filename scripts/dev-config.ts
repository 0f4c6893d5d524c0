/**
 * `npm start` configuration: parses the dev stack's own keys (ports, PACKAGER_ROOT, SHIELD_UPSTREAMS,
 * START_PATH) once, naming each bad key, and picks the edge's settings from `.dev.vars` and the
 * environment. Pure apart from what it is handed; must not start anything (dev.ts does).
 */
import { resolve } from 'node:path';
import { type ConfigIssue, shown } from '../src/core/config/issue.ts';
import { readInteger, readList } from '../src/core/config/read.ts';
import { parseBaseUrl } from '../src/core/config/url.ts';
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
  /** RTC_PORT: the WebRTC media server (WHIP/WHEP behind the edge). */
  readonly rtcPort: number;
  /** Edge bindings from `.dev.vars` then the environment (the environment wins), minus stack-owned keys. */
  readonly edgeSettings: Readonly<Record<string, string>>;
  /** SHIELD_SHARED_SECRET given by the operator, and where it came from. */
  readonly sharedSecret: { readonly value: string; readonly from: string } | undefined;
  /** Operator keys the stack sets itself, with why (printed as notes). */
  readonly ignored: readonly string[];
}

/**
 * @example parseDevConfig({ EDGE_PORT: 'abc' }, {}, '/repo').map(formatConfigIssue)
 *   // ['EDGE_PORT: expected an integer from 1 to 65535, got "abc"']
 */
export function parseDevConfig(
  env: NodeJS.ProcessEnv,
  devVars: Readonly<Record<string, string>>,
  repoRoot: string,
): DevConfig | ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const port = (key: string, fallback: number): number => {
    const raw = env[key];
    return raw === undefined || raw === '' ? fallback : readInteger(raw, { key, min: 1, max: 65535 }, issues);
  };
  const upstreams = parseUpstreams(env.SHIELD_UPSTREAMS, issues);
  const root = env.PACKAGER_ROOT || undefined;
  if (upstreams !== undefined && root !== undefined) {
    issues.push({
      key: 'PACKAGER_ROOT',
      expected: 'unset with SHIELD_UPSTREAMS (the shield fronts that origin)',
      got: shown(root),
    });
  }
  const startPath = env.START_PATH || undefined;
  if (startPath !== undefined && (!startPath.startsWith('/') || /[?#\s]/.test(startPath))) {
    issues.push({ key: 'START_PATH', expected: 'a path like /vod/master.m3u8', got: shown(startPath) });
  }
  const picked = pickEdgeSettings([devVars, env]);
  const ignored: string[] = [];
  const { SHIELD_URLS, SHIELD_SHARED_SECRET, RTC_URLS, RTC_SHARED_SECRET, ...edgeSettings } = picked;
  if (SHIELD_URLS !== undefined) ignored.push('SHIELD_URLS (the edge uses the shield npm start runs)');
  if (RTC_URLS !== undefined) ignored.push('RTC_URLS (the edge uses the RTC media server npm start runs)');
  if (RTC_SHARED_SECRET !== undefined) {
    ignored.push('RTC_SHARED_SECRET (npm start gives its RTC media server the shield secret)');
  }
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
    rtcPort: port('RTC_PORT', 8083),
    edgeSettings,
    sharedSecret: SHIELD_SHARED_SECRET ? { value: SHIELD_SHARED_SECRET, from: secretFrom } : undefined,
    ignored,
  };
  return issues.length > 0 ? issues : Object.freeze(config);
}

function parseUpstreams(raw: string | undefined, issues: ConfigIssue[]): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  // The same base-URL rule as the shield's own SHIELD_UPSTREAMS.
  return readList(
    raw,
    { key: 'SHIELD_UPSTREAMS', min: 1, what: 'packager URLs', parse: parseBaseUrl },
    issues,
  );
}
