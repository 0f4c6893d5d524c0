/**
 * Dev packager configuration: parsed once from an environment-shaped record into a frozen object.
 * Takes the environment as an argument — only main.ts reads process.env. Defaults live only here.
 */
import path from 'node:path';
import { type ConfigIssue, formatConfigIssue, shown } from '../../src/core/config/issue.ts';
import { readInteger } from '../../src/core/config/read.ts';
import { err, ok, type Result } from '../../src/core/result.ts';

export { type ConfigIssue, formatConfigIssue };

export interface PackagerConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute path of the media tree (vod/… as written by the media maker). */
  readonly root: string;
  /** Segments in the live sliding window. */
  readonly liveWindow: number;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_LIVE_WINDOW = 6;
const MAX_LIVE_WINDOW = 1000;

/**
 * @example parsePackagerConfig({ PACKAGER_PORT: '9000' }, { defaultRoot: '/repo/.media' })
 *   // ok({ host: '127.0.0.1', port: 9000, root: '/repo/.media', liveWindow: 6 })
 */
export function parsePackagerConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { readonly defaultRoot: string },
): Result<PackagerConfig, readonly ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const value = (key: string) => {
    const v = env[key];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = value(key);
    return raw === undefined ? fallback : readInteger(raw, { key, min, max }, issues);
  };

  const host = value('PACKAGER_HOST') ?? DEFAULT_HOST;
  if (/[\s/]/.test(host)) {
    issues.push({ key: 'PACKAGER_HOST', expected: 'a host name or IP address', got: shown(host) });
  }
  const port = integer('PACKAGER_PORT', DEFAULT_PORT, 0, 65535);
  const liveWindow = integer('PACKAGER_LIVE_WINDOW', DEFAULT_LIVE_WINDOW, 1, MAX_LIVE_WINDOW);
  const root = path.resolve(value('PACKAGER_ROOT') ?? defaults.defaultRoot);

  if (issues.length > 0) return err(issues);
  return ok(Object.freeze({ host, port, root, liveWindow }));
}
