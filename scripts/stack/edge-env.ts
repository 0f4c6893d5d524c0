/**
 * The edge's settings for the local stack: picks every key the edge config reads from the operator's
 * environment and `.dev.vars`, checks the result with the edge's own parser before wrangler starts,
 * and writes it to a private env file for `wrangler dev --env-file` so no value (keys, shield secret)
 * ever sits on a command line. Node-only; must not spawn anything (start-stack.ts does).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { CodedError } from '../../src/core/errors.ts';
import { formatConfigIssue, parseEdgeConfig } from '../../src/edge/config.ts';
import { EDGE_ENV_KEYS } from '../../src/edge/config-keys.ts';

/** Bad edge settings found before the edge started; `issues` are one line each, key first. */
export class EdgeConfigError extends CodedError<'STACK_ERR_EDGE_CONFIG'> {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(
      'STACK_ERR_EDGE_CONFIG',
      `edge configuration is invalid:\n${issues.map((i) => `  ${i}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

/**
 * Reads a `.dev.vars`-style file (KEY=value lines, dotenv quoting); a missing file is empty.
 *
 * @example await readEnvFile('/repo/.dev.vars') // { GEO_RULES: '[…]' }
 */
export async function readEnvFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseEnv(text))) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * The edge settings among `sources`, later sources winning (e.g. `.dev.vars`, then the environment).
 * Only keys the edge config reads are taken; everything else in the environment stays out.
 *
 * @example pickEdgeSettings([{ GEO_RULES: '[]', HOME: '/root' }]) // { GEO_RULES: '[]' }
 */
export function pickEdgeSettings(
  sources: readonly Readonly<Record<string, string | undefined>>[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) {
    for (const key of EDGE_ENV_KEYS) {
      const value = source[key];
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}

/**
 * `wrangler.toml` [vars] as the Worker sees them (strings; JSON values serialised), read with
 * wrangler's own config reader so the check below sees what `wrangler dev` will.
 */
export async function readWranglerVars(configPath: string): Promise<Record<string, string>> {
  const { experimental_readRawConfig } = await import('wrangler');
  const { rawConfig } = experimental_readRawConfig({ config: configPath });
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawConfig.vars ?? {})) {
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/**
 * Every issue parseEdgeConfig finds in the env the Worker will get (wrangler.toml vars overridden by
 * `vars`), formatted like the edge logs them.
 */
export function edgeConfigIssues(
  tomlVars: Readonly<Record<string, string>>,
  vars: Readonly<Record<string, string>>,
): string[] {
  const parsed = parseEdgeConfig({ ...tomlVars, ...vars });
  return parsed.ok ? [] : parsed.error.map(formatConfigIssue);
}

/**
 * Writes `vars` as a dotenv file only the owner can read, in the form wrangler's `--env-file` loader
 * (dotenv, then dotenv-expand) reads back byte for byte: single quotes keep JSON and newlines literal,
 * and `$` is escaped so nothing is expanded.
 */
export async function writeEdgeEnvFile(file: string, vars: Readonly<Record<string, string>>): Promise<void> {
  const lines = Object.entries(vars).map(([key, value]) => `${key}=${quoteEnvValue(key, value)}`);
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

function quoteEnvValue(key: string, value: string): string {
  // dotenv folds \r into \n and cannot hold NUL; refuse rather than hand the edge a different value.
  if (/[\r\0]/.test(value)) throw new EdgeConfigError([`${key}: expected no CR or NUL characters`]);
  const escaped = value.replaceAll('$', '\\$');
  // dotenv reads `\<quote>` as an escaped quote: the closing quote must not follow a backslash.
  for (const quote of ["'", '`']) {
    if (!escaped.includes(quote) && !escaped.endsWith('\\')) return `${quote}${escaped}${quote}`;
  }
  throw new EdgeConfigError([
    `${key}: expected a value without both ' and \` (or a trailing backslash) to pass to wrangler dev`,
  ]);
}
