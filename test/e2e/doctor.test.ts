/**
 * `npm run doctor` as an operator runs it, on real wrangler.toml, .dev.vars, secrets and shield env
 * files in a scratch directory: a few runs as a real process (exit codes, output), the many broken
 * cases through the same command in-process (runDoctor, one wrangler load for all). Good
 * configurations exit 0; each broken one exits 1 and names the key. The production cases use the
 * `[env.production]` block printed in the README, so the deploy guide cannot drift from the doctor.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../scripts/doctor/run.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const DOCTOR = path.join(REPO_ROOT, 'scripts', 'doctor', 'main.ts');
const SECRET = 'a'.repeat(64);
const DATABASE_ID = '2c5a7e34-8f1d-4a7b-9c3e-5d6f7a8b9c0d';
const CONTROL_DATABASE_ID = '7d1e0b52-3a4c-4e6f-8b9a-0c1d2e3f4a5b';
const KV_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

/** A public ES256 JWKS, as an operator's token service would publish it. */
function publicJwks(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] });
}

/** The `[env.production]` block of README "Deploy to production", as printed there. */
function readmeProductionBlock(): string {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const from = readme.indexOf('Add a production environment to `wrangler.toml`');
  const start = readme.indexOf('```toml\n', from);
  const end = readme.indexOf('```', start + 8);
  expect(from > 0 && start > from && end > start, 'README has the [env.production] block').toBe(true);
  return readme
    .slice(start + 8, end)
    .split('\n')
    .map((l) => l.replace(/^ {3}/, ''))
    .join('\n');
}

/** The README's block with the ids `wrangler d1 create` / `kv namespace create` would print filled in. */
function filledProductionBlock(block = readmeProductionBlock()): string {
  return block
    .replace(/<the database_id printed by wrangler d1 create>/, DATABASE_ID)
    .replace(/<the database_id printed by wrangler d1 create edgeshield-control>/, CONTROL_DATABASE_ID)
    .replace(/<the id printed by wrangler kv namespace create>/, KV_ID);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'edgeshield-doctor-'));
  cpSync(path.join(REPO_ROOT, 'wrangler.toml'), path.join(dir, 'wrangler.toml'));
  mkdirSync(path.join(dir, 'src', 'edge', 'egress', 'migrations'), { recursive: true });
  mkdirSync(path.join(dir, 'src', 'edge', 'control', 'migrations'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
const appendProduction = (block: string) =>
  write('wrangler.toml', `${readFileSync(path.join(dir, 'wrangler.toml'), 'utf8')}\n${block}\n`);

// The operator's own SHIELD_* variables must not leak into the checks.
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHIELD_')));

/** `npm run doctor -- …` as a process. */
function doctorCli(...args: string[]): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [DOCTOR, ...args], {
    cwd: dir,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

/** The same command in-process. */
async function doctor(...args: string[]): Promise<{ status: number; out: string }> {
  return doctorWithEnv({}, ...args);
}

async function doctorWithEnv(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number; out: string }> {
  const run = await runDoctor(args, { ...cleanEnv(), ...env }, dir);
  return { status: run.code, out: `${run.stdout}${run.stderr}` };
}

const goodShieldEnv = (secret = SECRET) =>
  `SHIELD_HOST=0.0.0.0\nSHIELD_UPSTREAMS=https://packager.example.com\nSHIELD_SHARED_SECRET=${secret}\n`;

describe('npm run doctor (local: wrangler.toml + .dev.vars, as wrangler dev sees them)', () => {
  it('exits 0 when .dev.vars holds the keys and the shield secret, and the shield env file matches', async () => {
    write('.dev.vars', `AUTH_JWKS='${publicJwks()}'\nSHIELD_SHARED_SECRET=${SECRET}\n`);
    write('shield.env', goodShieldEnv());
    const r = doctorCli('--shield-env', 'shield.env');
    expect(r.out).toContain('doctor: OK');
    expect(r.status).toBe(0);
  });

  it('exits 1 naming AUTH_MODE when no key is configured (the edge would answer 500 to everything)', async () => {
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(r.out).toContain('AUTH_MODE: expected AUTH_JWKS, AUTH_JWKS_URL or AUTH_VERIFIERS');
  });

  it('exits 1 naming the element of a bad value in .dev.vars', async () => {
    write('.dev.vars', `AUTH_MODE=off\nGEO_RULES='[{"prefix":"/","deny":{"countries":["UK"]}}]'\n`);
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(r.out).toContain('GEO_RULES[0].deny.countries[0]: expected ISO 3166-1 alpha-2, got "UK"');
  });

  it('exits 1 naming the shield key for a bad shield env file', async () => {
    write('.dev.vars', `AUTH_MODE=off\nSHIELD_SHARED_SECRET=${SECRET}\n`);
    write('shield.env', `${goodShieldEnv()}SHIELD_PORT=eighty\n`);
    const r = await doctor('--shield-env', 'shield.env');
    expect(r.status).toBe(1);
    expect(r.out).toContain('SHIELD_PORT: expected an integer from 0 to 65535, got "eighty"');
  });

  it("exits 1 naming SHIELD_SHARED_SECRET when the shield's secret is not the edge's", async () => {
    write('.dev.vars', `AUTH_MODE=off\nSHIELD_SHARED_SECRET=${SECRET}\n`);
    write('shield.env', goodShieldEnv('b'.repeat(64)));
    const r = await doctor('--shield-env', 'shield.env');
    expect(r.status).toBe(1);
    expect(r.out).toContain("SHIELD_SHARED_SECRET: expected the edge's SHIELD_SHARED_SECRET");
    expect(r.out).not.toContain('b'.repeat(64));
  });

  it('reads --env-file instead of .dev.vars, as wrangler dev --env-file does', async () => {
    write('edge.vars', `AUTH_JWKS='${publicJwks()}'\nSHIELD_SHARED_SECRET=${SECRET}\n`);
    const r = await doctor('--env-file', 'edge.vars');
    expect(r.out).toContain('doctor: OK');
    expect(r.status).toBe(0);
  });

  it('checks the SHIELD_* variables of the environment when no shield env file is given', async () => {
    write('.dev.vars', `AUTH_MODE=off\nSHIELD_SHARED_SECRET=${SECRET}\n`);
    const r = await doctorWithEnv({ SHIELD_SHARED_SECRET: SECRET, SHIELD_CACHE_BYTES: 'lots' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('shield: SHIELD_* from the environment');
    expect(r.out).toContain('SHIELD_CACHE_BYTES: expected an integer of at least 0, got "lots"');
  });

  it('refuses deploy-only options without a deploy target (exit 64) and a missing file (exit 66)', async () => {
    expect(doctorCli('--secrets-file', 'x.secrets').status).toBe(64);
    expect(doctorCli('--shield-env', 'missing.env').status).toBe(66);
  });
});

describe('npm run doctor -- --env production (what wrangler deploy would ship)', () => {
  const secretsFile = () =>
    write(
      'prod.secrets',
      `SHIELD_SHARED_SECRET=${SECRET}\nAUTH_JWKS='${publicJwks()}'\nADMIN_API_KEY=${'k'.repeat(64)}\nCONTROL_KEY_SECRET=${'c'.repeat(64)}\n`,
    );

  it("refuses the repository's wrangler.toml as production: loopback shield, placeholder D1 and KV ids", async () => {
    const r = doctorCli('--config', path.join(REPO_ROOT, 'wrangler.toml'), '--env', 'production');
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'SHIELD_URLS[0]: expected a shield address Cloudflare can reach (not loopback, private or localhost), got "http://127.0.0.1:8081"',
    );
    expect(r.out).toContain('d1_databases[LEDGER].database_id: expected the id printed by');
    expect(r.out).toContain('kv_namespaces[PURGE_LOG].id: expected the id printed by');
  });

  it("prints, on this repository's wrangler.toml, exactly the sample output the README shows", () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const command = '$ npm run doctor -- --env production\n';
    const start = readme.indexOf(command);
    expect(start).toBeGreaterThan(0);
    const shown = readme.slice(start + command.length, readme.indexOf('```', start)).trimEnd();
    const run = spawnSync(process.execPath, [DOCTOR, '--env', 'production'], {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`.trimEnd()).toBe(shown);
  });

  it('checks the top level as a deploy with --deploy', async () => {
    const r = await doctor('--deploy');
    expect(r.status).toBe(1);
    expect(r.out).toContain('edge: wrangler.toml (deploy checks)');
    expect(r.out).toContain('SHIELD_URLS[0]: expected a shield address Cloudflare can reach');
  });

  it("accepts the README's [env.production] block once the database id is filled in", async () => {
    appendProduction(filledProductionBlock());
    secretsFile();
    write('shield.env', goodShieldEnv());
    const r = await doctor(
      ...'--env production --secrets-file prod.secrets --shield-env shield.env'.split(' '),
    );
    expect(r.out).toContain('doctor: OK');
    expect(r.status).toBe(0);
  });

  it("refuses the README's block as printed, naming the ids to fill in", async () => {
    appendProduction(readmeProductionBlock());
    const r = await doctor('--env', 'production');
    expect(r.status).toBe(1);
    expect(r.out).toContain('d1_databases[LEDGER].database_id: expected the id printed by');
    expect(r.out).toContain('d1_databases[CONTROL].database_id: expected the id printed by');
    expect(r.out).toContain('kv_namespaces[PURGE_LOG].id: expected the id printed by');
  });

  it('says which secrets it cannot verify offline, and how to set them, without failing', async () => {
    const block = filledProductionBlock(readmeProductionBlock().replace(/^secrets = .*$/m, ''));
    appendProduction(block);
    const r = await doctor('--env', 'production');
    expect(r.out).toContain(
      'SHIELD_SHARED_SECRET: cannot verify offline; set it with `npx wrangler secret put SHIELD_SHARED_SECRET --env production`',
    );
    expect(r.out).toContain('AUTH_JWKS or AUTH_VERIFIERS: cannot verify offline');
    expect(r.status).toBe(0);
  });

  const broken: readonly (readonly [string, string, string])[] = [
    [
      'a secret written in [vars]',
      `AUTH_VERIFIERS = '[{"prefix":"/old/","format":"securelink","secret":"${SECRET}"}]'`,
      'AUTH_VERIFIERS: expected a secret (`npx wrangler secret put AUTH_VERIFIERS --env production`)',
    ],
    [
      'a declared secret also written in [vars] (wrangler refuses it)',
      `SHIELD_SHARED_SECRET = "${SECRET}"`,
      'SHIELD_SHARED_SECRET assigned to Environment Variable and Secret bindings',
    ],
    [
      'a var that is not a string',
      'EGRESS_CONTENT_DEPTH = 2',
      'EGRESS_CONTENT_DEPTH: expected a string in [vars]',
    ],
    [
      'the dev-only country switch',
      'DEV_TRUST_CLIENT_COUNTRY = "on"',
      'DEV_TRUST_CLIENT_COUNTRY: expected "off" in production',
    ],
    [
      'a bad value the edge parser refuses',
      'SHIELD_TIMEOUT_MS = "10s"',
      'SHIELD_TIMEOUT_MS: expected an integer number of milliseconds',
    ],
  ];
  for (const [what, line, named] of broken) {
    it(`exits 1 naming the key for ${what}`, async () => {
      const block = filledProductionBlock(
        readmeProductionBlock().replace('[env.production.vars]\n', `[env.production.vars]\n${line}\n`),
      );
      appendProduction(block);
      secretsFile();
      const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets');
      expect(r.status).toBe(1);
      expect(r.out).toContain(named);
    });
  }

  it('exits 1 naming the shield that Cloudflare cannot reach among several', async () => {
    const block = filledProductionBlock(
      readmeProductionBlock().replace(
        /^SHIELD_URLS = .*$/m,
        'SHIELD_URLS = "https://shield-1.example.com,https://10.0.0.5:8443,http://[::1]:8081,http://localhost:8081"',
      ),
    );
    appendProduction(block);
    secretsFile();
    const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets');
    expect(r.status).toBe(1);
    for (const i of [1, 2, 3])
      expect(r.out).toContain(`SHIELD_URLS[${i}]: expected a shield address Cloudflare can reach`);
    expect(r.out).not.toContain('SHIELD_URLS[0]');
  });

  it('exits 1 naming the WebRTC media server Cloudflare cannot reach (RTC_URLS, issue 16)', async () => {
    const block = filledProductionBlock(
      readmeProductionBlock().replace(
        /^(SHIELD_URLS = .*)$/m,
        '$1\nRTC_URLS = "https://media-1.example.com,http://127.0.0.1:8090"',
      ),
    );
    appendProduction(block);
    secretsFile();
    const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets');
    expect(r.status).toBe(1);
    expect(r.out).toContain('RTC_URLS[1]: expected a media server address Cloudflare can reach');
    expect(r.out).not.toContain('RTC_URLS[0]');
    expect(r.out).toContain('WebRTC: 2 media server(s)');
  });

  it('warns that WebRTC usage cannot reach the ledger when RTC_URLS is set without EGRESS_QUEUE', async () => {
    const withRtc = readmeProductionBlock().replace(
      /^(SHIELD_URLS = .*)$/m,
      '$1\nRTC_URLS = "https://media-1.example.com"',
    );
    const withoutQueue = withRtc.replace(/\[\[env\.production\.queues\.producers\]\][^[]*/, '');
    appendProduction(filledProductionBlock(withoutQueue));
    secretsFile();
    const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets');
    expect(r.out).toContain('EGRESS_QUEUE: no Queue producer binding: POST /rtc-usage answers 503');
  });

  it('exits 1 naming the key inside a bad secret from the secrets file, never printing the secret', async () => {
    appendProduction(filledProductionBlock());
    write(
      'prod.secrets',
      `SHIELD_SHARED_SECRET=${SECRET}\nAUTH_JWKS='{"keys":[{"kty":"EC","kid":"k1","alg":"ES256","d":"private"}]}'\n`,
    );
    const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets');
    expect(r.status).toBe(1);
    expect(r.out).toContain('AUTH_JWKS[0]');
    expect(r.out).not.toContain(SECRET);
  });

  it('with --online but no Cloudflare credentials, says it could not list the secrets', async () => {
    appendProduction(filledProductionBlock());
    secretsFile();
    const r = await doctor('--env', 'production', '--secrets-file', 'prod.secrets', '--online');
    expect(r.out).toContain('--online: could not list secrets');
    expect(r.status).toBe(0);
  }, 120_000);
});
