/**
 * `npm run doctor [-- --env NAME | --deploy] [--config FILE] [--env-file FILE]… [--secrets-file FILE]
 *   [--online] [--shield-env FILE]`: checks the edge and shield configuration offline with the
 * services' own parsers and exits 1 naming every issue (`KEY: expected …, got …`), so a bad value
 * is found before `wrangler deploy` or a shield restart, not at the first request.
 *
 * The only reader of argv and process.env for the doctor. Exit codes: 0 no errors (warnings may be
 * printed), 1 errors found, 64 bad usage, 66 a named file cannot be read.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkEdge } from './edge-check.ts';
import { readDotenv, readEdgeSource, readLocalVars, WranglerConfigError } from './edge-source.ts';
import { render, type Section } from './findings.ts';
import { listDeployedSecrets } from './secret-list.ts';
import { checkShield } from './shield-check.ts';

const USAGE =
  'usage: npm run doctor [-- --env NAME | --deploy] [--config FILE] [--env-file FILE]… ' +
  '[--secrets-file FILE] [--online] [--shield-env FILE]';
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const EX_USAGE = 64;
const EX_NOINPUT = 66;

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(process.argv.slice(2)).values;
  } catch (e) {
    process.stderr.write(`doctor: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return EX_USAGE;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const envName = values.env;
  // Any named environment is a deploy target; --deploy checks the top level as `wrangler deploy` ships it.
  const mode = envName !== undefined || values.deploy === true ? 'deploy' : 'local';
  if (mode === 'local' && (values['secrets-file'] !== undefined || values.online === true)) {
    process.stderr.write(
      `doctor: --secrets-file and --online check a deploy: add --env NAME or --deploy\n${USAGE}\n`,
    );
    return EX_USAGE;
  }
  const configPath = path.resolve(values.config ?? 'wrangler.toml');
  const files = [configPath, values['secrets-file'], values['shield-env'], ...(values['env-file'] ?? [])];
  for (const file of files) {
    if (file !== undefined && !existsSync(file)) {
      process.stderr.write(`doctor: cannot read ${file}: no such file\n`);
      return EX_NOINPUT;
    }
  }

  const sections: Section[] = [];
  const label = `${path.relative(process.cwd(), configPath) || configPath}${envName ? ` [env.${envName}]` : ''}`;
  let edgeSecret: string | undefined;
  try {
    const source = await readEdgeSource(configPath, envName);
    let deployedSecrets: string[] | undefined;
    const extra: Section['findings'][number][] = [];
    if (values.online) {
      const listed = await listDeployedSecrets(REPO_ROOT, configPath, envName, process.env);
      if ('names' in listed) deployedSecrets = listed.names;
      else extra.push({ level: 'warn', text: `--online: could not list secrets: ${listed.failure}` });
    }
    const edge = checkEdge({
      source,
      mode,
      ...(mode === 'local'
        ? { localVars: await readLocalVars(configPath, envName, values['env-file']) }
        : {}),
      ...(values['secrets-file'] ? { secretValues: readDotenv(values['secrets-file']) } : {}),
      ...(deployedSecrets ? { deployedSecrets } : {}),
      exists: (p) => existsSync(path.resolve(path.dirname(configPath), p)),
    });
    edgeSecret = edge.sharedSecret;
    sections.push({ title: `edge: ${label} (${mode} checks)`, findings: [...extra, ...edge.findings] });
  } catch (e) {
    if (!(e instanceof WranglerConfigError)) throw e;
    const text = `${label}: wrangler cannot read it: ${e.message.split('\n')[0]}`;
    sections.push({ title: `edge: ${label}`, findings: [{ level: 'error', text }] });
  }

  const shieldFile = values['shield-env'];
  const shieldEnv = shieldFile ? readDotenv(shieldFile) : shieldKeysOf(process.env);
  if (shieldFile === undefined && Object.keys(shieldEnv).length === 0) {
    sections.push({
      title: 'shield: not checked (give --shield-env FILE, or SHIELD_* in the environment)',
      findings: [],
    });
  } else {
    sections.push({
      title: `shield: ${shieldFile ?? 'SHIELD_* from the environment'}`,
      findings: checkShield({ env: shieldEnv, mode, edgeSecret }),
    });
  }
  const report = render(sections);
  process.stdout.write(report.text);
  return report.status;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      env: { type: 'string', short: 'e' },
      deploy: { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      'env-file': { type: 'string', multiple: true },
      'secrets-file': { type: 'string' },
      online: { type: 'boolean' },
      'shield-env': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function shieldKeysOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('SHIELD_') && value !== undefined) out[key] = value;
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`doctor: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
