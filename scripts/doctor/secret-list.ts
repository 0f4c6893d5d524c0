/**
 * `--online`: the names of the secrets a deployed Worker has, from `wrangler secret list` (needs a
 * Cloudflare login or CLOUDFLARE_API_TOKEN in the environment it is given). Runs wrangler from this repo's node_modules; never
 * prints or keeps values (the list has none).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';

const run = promisify(execFile);

/** The secret names, or why they could not be listed (first line of wrangler's error). */
export async function listDeployedSecrets(
  repoRoot: string,
  configPath: string,
  envName: string | undefined,
  processEnv: Readonly<Record<string, string | undefined>>,
): Promise<{ names: string[] } | { failure: string }> {
  // This Node (22), not whatever `node` the bin shim's shebang finds first on PATH.
  const wrangler = path.join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const args = [wrangler, 'secret', 'list', '--format', 'json', '--config', configPath];
  if (envName !== undefined) args.push('--env', envName);
  try {
    const { stdout } = await run(process.execPath, args, {
      timeout: 60_000,
      env: { ...processEnv, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    });
    const list: unknown = JSON.parse(stdout);
    if (!Array.isArray(list)) return { failure: 'wrangler printed something other than a list' };
    return { names: list.map((s: { name?: unknown }) => String(s.name)) };
  } catch (e) {
    const text = (e as { stderr?: string }).stderr || (e instanceof Error ? e.message : String(e));
    const lines = stripVTControlCharacters(text).split('\n');
    // wrangler prints warnings first; its reason is the [ERROR] line.
    const line = lines.find((l) => l.includes('[ERROR]')) ?? lines.find((l) => l.trim() !== '') ?? '';
    return { failure: line.replace(/^.*\[ERROR\]\s*/, '').trim() || 'unknown error' };
  }
}
