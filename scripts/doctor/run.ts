/**
 * The doctor's command, callable in-process: argv + environment + working directory in, report text
 * and exit code out. main.ts is the process wrapper (the only reader of argv and process.env); tests
 * call this directly to share one wrangler load across many cases. Reads files, prints nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvFile } from '../stack/edge-env.ts';
import { checkEdge } from './edge-check.ts';
import { readEdgeSource, readLocalVars, WranglerConfigError } from './edge-source.ts';
import { type Finding, render, type Section } from './findings.ts';
import { listDeployedSecrets } from './secret-list.ts';
import { checkShield } from './shield-check.ts';

export const USAGE =
  'usage: npm run doctor [-- --env NAME | --deploy] [--config FILE] [--env-file FILE]… ' +
  '[--secrets-file FILE] [--online] [--shield-env FILE]';
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const EX_USAGE = 64;
export const EX_NOINPUT = 66;

export interface DoctorRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * @example await runDoctor(['--env', 'production'], process.env, process.cwd()) // { code: 1, stdout: '…', stderr: '' }
 */
export async function runDoctor(
  argv: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<DoctorRun> {
  const usage = (message: string): DoctorRun => ({
    code: EX_USAGE,
    stdout: '',
    stderr: `doctor: ${message}\n${USAGE}\n`,
  });
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse([...argv]).values;
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return { code: 0, stdout: `${USAGE}\n`, stderr: '' };
  const envName = values.env;
  // Any named environment is a deploy target; --deploy checks the top level as `wrangler deploy` ships it.
  const mode = envName !== undefined || values.deploy === true ? 'deploy' : 'local';
  if (mode === 'local' && (values['secrets-file'] !== undefined || values.online === true)) {
    return usage('--secrets-file and --online check a deploy: add --env NAME or --deploy');
  }
  const resolve = (file: string) => path.resolve(cwd, file);
  const configPath = resolve(values.config ?? 'wrangler.toml');
  const secretsFile = values['secrets-file'] === undefined ? undefined : resolve(values['secrets-file']);
  const shieldFile = values['shield-env'] === undefined ? undefined : resolve(values['shield-env']);
  const envFiles = values['env-file']?.map(resolve);
  for (const file of [configPath, secretsFile, shieldFile, ...(envFiles ?? [])]) {
    if (file !== undefined && !existsSync(file)) {
      return { code: EX_NOINPUT, stdout: '', stderr: `doctor: cannot read ${file}: no such file\n` };
    }
  }

  const sections: Section[] = [];
  const relative = path.relative(cwd, configPath);
  const label = `${relative.startsWith('..') ? configPath : relative}${envName ? ` [env.${envName}]` : ''}`;
  let edgeSecret: string | undefined;
  try {
    const source = await readEdgeSource(configPath, envName);
    let deployedSecrets: string[] | undefined;
    const extra: Finding[] = [];
    if (values.online) {
      const listed = await listDeployedSecrets(REPO_ROOT, configPath, envName, processEnv);
      if ('names' in listed) deployedSecrets = listed.names;
      else extra.push({ level: 'warn', text: `--online: could not list secrets: ${listed.failure}` });
    }
    const edge = checkEdge({
      source,
      mode,
      ...(mode === 'local' ? { localVars: await readLocalVars(configPath, envName, envFiles) } : {}),
      ...(secretsFile ? { secretValues: await readEnvFile(secretsFile) } : {}),
      ...(deployedSecrets ? { deployedSecrets } : {}),
      exists: (p) => existsSync(path.resolve(path.dirname(configPath), p)),
    });
    edgeSecret = edge.sharedSecret;
    sections.push({ title: `edge: ${label} (${mode} checks)`, findings: [...extra, ...edge.findings] });
  } catch (e) {
    if (!(e instanceof WranglerConfigError)) throw e;
    // wrangler's message: a "Processing … configuration:" line, then one "- reason" line per problem.
    const reasons = e.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/^- /, ''))
      .filter((l) => l !== '');
    const text = `${label}: wrangler refuses it: ${reasons.join(' ') || e.message}`;
    sections.push({ title: `edge: ${label}`, findings: [{ level: 'error', text }] });
  }

  const shieldEnv = shieldFile ? await readEnvFile(shieldFile) : shieldKeysOf(processEnv);
  if (shieldFile === undefined && Object.keys(shieldEnv).length === 0) {
    sections.push({
      title: 'shield: not checked (give --shield-env FILE, or SHIELD_* in the environment)',
      findings: [],
    });
  } else {
    sections.push({
      title: `shield: ${values['shield-env'] ?? 'SHIELD_* from the environment'}`,
      findings: checkShield({ env: shieldEnv, mode, edgeSecret }),
    });
  }
  const report = render(sections);
  return { code: report.status, stdout: report.text, stderr: '' };
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

function shieldKeysOf(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('SHIELD_') && value !== undefined) out[key] = value;
  }
  return out;
}
