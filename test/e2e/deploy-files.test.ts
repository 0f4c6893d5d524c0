/**
 * The shield's deploy files (origin/deploy/) against the code they deploy: the Dockerfile's image
 * layout is rebuilt from its own COPY/RUN/ENV/CMD/HEALTHCHECK lines and run for real (production
 * dependencies only), the systemd unit's paths and exit-code handling match the shield, and the env
 * file template is accepted by the shield's parser. What this cannot do: pull the base image, build
 * the container, or run systemd (README "What CI verifies").
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShieldConfig, SHIELD_DEFAULTS } from '../../origin/config.ts';
import { LISTENER_DEFAULTS } from '../../origin/config-listener.ts';
import { TIER_DEFAULTS } from '../../origin/config-tiers.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { hasCommand } from '../fixtures/tools.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEPLOY = path.join(REPO_ROOT, 'origin', 'deploy');
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** One COPY line: its `--from=<stage>` (undefined: the build context), sources and target. */
interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly target: string;
}

/** One stage's instructions (FROM up to the next FROM). */
function stage(lines: readonly string[]) {
  const all = (op: string) =>
    lines.filter((l) => l.startsWith(`${op} `)).map((l) => l.slice(op.length + 1).trim());
  const env: Record<string, string> = {};
  for (const e of all('ENV')) for (const [, k, v] of e.matchAll(/(\w+)=(\S+)/g)) if (k && v) env[k] = v;
  const json = (s: string | undefined) => JSON.parse(s ?? '[]') as string[];
  const [from = '', , name] = (all('FROM')[0] ?? '').split(/\s+/);
  const copies: Copy[] = all('COPY').map((c) => {
    const words = c.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    return {
      from: flags.find((f) => f.startsWith('--from='))?.slice('--from='.length),
      sources: paths.slice(0, -1),
      target: paths.at(-1) ?? '.',
    };
  });
  return {
    from,
    name,
    workdir: all('WORKDIR')[0] ?? '',
    copies,
    runs: all('RUN'),
    env,
    user: all('USER').at(-1) ?? 'root',
    stopSignal: (all('STOPSIGNAL')[0] ?? 'SIGTERM') as NodeJS.Signals,
    healthcheck: json(/CMD (\[.*\])/.exec(all('HEALTHCHECK')[0] ?? '')?.[1]),
    cmd: json(all('CMD')[0]),
  };
}

/**
 * The Dockerfile's instructions, continuation lines joined, comments dropped: the image (last stage)
 * and the stage that builds the shield's JavaScript (the one the image copies `--from`).
 */
function dockerfile() {
  const text = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const stages: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('FROM ')) stages.push([]);
    stages.at(-1)?.push(l);
  }
  const image = stage(stages.at(-1) ?? []);
  const buildName = image.copies.find((c) => c.from !== undefined)?.from;
  const build = stages.map(stage).find((s) => s.name !== undefined && s.name === buildName);
  return { ...image, build };
}

/** Every COPY source taken from the build context, in any stage. */
function contextSources(): string[] {
  const d = dockerfile();
  return [...(d.build?.copies ?? []), ...d.copies]
    .filter((c) => c.from === undefined)
    .flatMap((c) => c.sources);
}

/**
 * Whether the repository-root .dockerignore keeps `rel` out of the build context (Docker's rules:
 * patterns in order, the last one matching the path or one of its parent directories wins).
 */
function dockerignored(rel: string): boolean {
  const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const toRegex = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/^\//, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(
          /\*\*\/|\*\*|\*|\?/g,
          (m) => ({ '**/': '(.*/)?', '**': '.*', '*': '[^/]*' })[m] ?? '[^/]',
        )}$`,
    );
  const parts = rel.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const re = toRegex(negated ? p.slice(1) : p);
    if (candidates.some((c) => re.test(c))) ignored = !negated;
  }
  return ignored;
}

/** The unit's `Key=value` lines (last one wins). */
function unit(): Record<string, string> {
  const text = readFileSync(path.join(DEPLOY, 'edgeshield-shield.service'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^\w+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const sampleEnv = () =>
  parseEnv(readFileSync(path.join(DEPLOY, 'shield.env'), 'utf8')) as Record<string, string>;

/** A shield process (`cmd` is the entry and its arguments), resolved once it logs "listening". */
async function startShieldProcess(cmd: readonly string[], cwd: string, env: Record<string, string>) {
  const [bin = '', ...args] = cmd;
  const child = spawn(bin, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!output.includes('"msg":"listening"')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`shield did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    exited,
    output: () => output,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

describe('origin/deploy/Dockerfile', () => {
  const image = dockerfile();
  let root: string;
  let buildRoot: string;
  /** Copies one COPY line's sources from `from` (a directory standing in for the context or a stage) into `into`. */
  const copy = (c: Copy, from: (source: string) => string, into: string) => {
    for (const s of c.sources) {
      const to = c.target.endsWith('/')
        ? path.join(into, c.target, path.basename(s))
        : path.join(into, c.target);
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(from(s), to, { recursive: true });
    }
  };
  /** Runs a stage's RUN lines in `cwd`: its `npm ci` (when `npmCi`) and its `node` steps. */
  const runSteps = (runs: readonly string[], cwd: string, npmCi: boolean) => {
    for (const run of runs) {
      for (const step of run.split('&&').map((s) => s.trim())) {
        // `npm cache clean` and mkdir/chown are the image's.
        const [cmd = '', ...args] = step.split(/\s+/);
        const argv =
          cmd === 'npm' && args[0] === 'ci' && npmCi
            ? (['npm', ...args, '--prefer-offline'] as const)
            : cmd === 'node'
              ? ([process.execPath, ...args] as const)
              : undefined;
        if (argv === undefined) continue;
        const [bin = '', ...rest] = argv;
        const r = spawnSync(bin, rest, { cwd, encoding: 'utf8', timeout: 120_000 });
        expect(r.status, `${step}\n${r.stdout}${r.stderr}`).toBe(0);
      }
    }
  };
  beforeAll(() => {
    // The build stage's /app: its COPY lines from the context, this checkout's node_modules standing in
    // for its `npm ci` (every dependency, dev ones included), then its build step.
    buildRoot = mkdtempSync(path.join(tmpdir(), 'edgeshield-image-build-'));
    for (const c of image.build?.copies ?? []) copy(c, (s) => path.join(REPO_ROOT, s), buildRoot);
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(buildRoot, 'node_modules'));
    runSteps(image.build?.runs ?? [], buildRoot, false);
    // The image's /app: exactly what its COPY lines put there (from the context or the build stage),
    // then its `npm ci` (from the npm cache).
    root = mkdtempSync(path.join(tmpdir(), 'edgeshield-image-'));
    const buildWorkdir = image.build?.workdir ?? '/';
    for (const c of image.copies) {
      copy(
        c,
        (s) =>
          c.from === undefined
            ? path.join(REPO_ROOT, s)
            : path.join(buildRoot, path.posix.relative(buildWorkdir, s)),
        root,
      );
    }
    runSteps(image.runs, root, true);
  }, 240_000);
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(buildRoot, { recursive: true, force: true });
  });

  it('builds on a Node 22 image and runs as an unprivileged user', () => {
    expect(image.from).toMatch(/^docker\.io\/library\/node:22\b/);
    expect(['', 'root', '0']).not.toContain(image.user);
    expect(image.workdir).toBe('/app');
  });

  it("builds the shield's JavaScript in a Node 22 stage and copies only its output into the image", () => {
    expect(image.build?.from).toMatch(/^docker\.io\/library\/node:22\b/);
    expect(image.build?.runs.join(' ')).toContain('node scripts/build/shield.ts');
    expect(image.copies.filter((c) => c.from !== undefined).flatMap((c) => c.sources)).toEqual([
      `${image.build?.workdir}/dist/shield`,
    ]);
    expect(image.cmd).toEqual(['node', 'dist/shield/origin/main.js']);
  });

  it('installs production dependencies only', () => {
    expect(image.runs.join(' ')).toContain('npm ci --omit=dev');
    for (const dep of Object.keys(pkg.dependencies))
      expect(existsSync(path.join(root, 'node_modules', dep))).toBe(true);
    for (const dev of ['wrangler', 'vitest', 'typescript', 'miniflare']) {
      expect(existsSync(path.join(root, 'node_modules', dev))).toBe(false);
    }
  });

  it('starts the shield with its CMD and ENV, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      ...image.env,
      ...sampleEnv(),
      // Loopback and a free port on the test machine; a scratch disk tier.
      SHIELD_HOST: '127.0.0.1',
      SHIELD_PORT: String(port),
      SHIELD_DISK_DIR: path.join(root, 'cache'),
    };
    const node = (args: string[]) => (args[0] === 'node' ? [process.execPath, ...args.slice(1)] : args);
    const [hc = '', ...hcArgs] = node(image.healthcheck);
    const healthy = () => spawnSync(hc, hcArgs, { cwd: root, env, timeout: 10_000 }).status === 0;
    const shield = await startShieldProcess(node(image.cmd), root, env);
    try {
      expect(healthy()).toBe(true);
      shield.child.kill(image.stopSignal);
      expect(await shield.exited, shield.output()).toBe(0);
      expect(healthy()).toBe(false);
    } finally {
      shield.kill();
    }
  }, 60_000);

  it('copies everything the built shield imports: its own code, src/core, node builtins and production dependencies', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      // In the image, as JavaScript (Node has no type stripping to fall back on: the sources are not there).
      expect(file.startsWith(root + path.sep) && file.endsWith('.js'), file).toBe(true);
      expect(existsSync(file), file).toBe(true);
      const text = readFileSync(file, 'utf8');
      // Static imports, dynamic `import('…')` (main.js loads each role's modules that way) and `require('…')`.
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^'"]+)["']/gm),
        ...text.matchAll(/\b(?:import|require)\(\s*["']([^'"]+)["']\s*\)/g),
      ];
      for (const [, spec] of specs) {
        if (spec === undefined) continue;
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
        else bare.add(spec);
      }
    };
    visit(path.join(root, image.cmd.at(-1) ?? ''));
    visit(path.join(root, image.healthcheck.at(-1) ?? ''));
    expect(seen.size).toBeGreaterThan(10);
    for (const spec of bare) {
      const name = spec.startsWith('@')
        ? spec.split('/').slice(0, 2).join('/')
        : (spec.split('/')[0] ?? spec);
      const builtin = spec.startsWith('node:') || builtinModules.includes(name);
      expect(builtin || name in pkg.dependencies, `${spec} must be a production dependency`).toBe(true);
    }
  });

  it('holds no TypeScript sources and no build tools: the image runs the build only', () => {
    expect(existsSync(path.join(root, 'origin'))).toBe(false);
    expect(existsSync(path.join(root, 'src'))).toBe(false);
    expect(existsSync(path.join(root, 'node_modules', 'typescript'))).toBe(false);
  });
});

describe('.dockerignore (the build context of origin/deploy/Dockerfile)', () => {
  it('lets every file the COPY lines take in, and keeps keys, secrets, media and node_modules out', () => {
    const sources = contextSources();
    const tracked = spawnSync('git', ['ls-files', '--', ...sources], { cwd: REPO_ROOT, encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f !== '');
    expect(tracked.length).toBeGreaterThan(sources.length);
    for (const file of tracked) expect(dockerignored(file), file).toBe(false);
    for (const secret of [
      '.dev-keys/dev-keys.json',
      'prod.secrets',
      'origin/deploy/prod.secrets',
      'shield.env',
      '.media/vod/a/seg_1.ts',
      'node_modules/undici/index.js',
      'origin/node_modules/x.js',
      '.git/config',
      'bench/out/run.json',
    ])
      expect(dockerignored(secret), secret).toBe(true);
  });
});

describe('origin/deploy/edgeshield-shield.service', () => {
  const u = unit();

  it("runs the built shield entry from its WorkingDirectory with the env file template's name", () => {
    const [node, script = ''] = (u.ExecStart ?? '').split(/\s+/);
    expect(node).toMatch(/\/node$/);
    expect(u.WorkingDirectory).toBe('/opt/edgeshield');
    // The entry `npm run build:shield` emits (test/shield/build.test.ts runs that build), from this source.
    expect(script).toBe('dist/shield/origin/main.js');
    const source = script.replace(/^dist\/shield\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
    expect(path.basename(u.EnvironmentFile ?? '')).toBe('shield.env');
    expect(u.User).not.toBe('root');
  });

  it('refuses a Node older than package.json engines before starting, and passes this one', () => {
    const [node, flag, script = ''] = (u.ExecStartPre ?? '').match(/^(\S+) (-e) "(.*)"$/)?.slice(1) ?? [];
    expect(node).toMatch(/\/node$/);
    expect(flag).toBe('-e');
    expect(pkg.engines.node).toBe('>=22.18');
    const run = (version: string) =>
      spawnSync(process.execPath, ['-e', script.replace('process.versions.node', JSON.stringify(version))], {
        encoding: 'utf8',
      });
    expect(run(process.versions.node).status).toBe(0);
    expect(run('22.18.0').status).toBe(0);
    expect(run('23.0.0').status).toBe(0);
    const old = run('22.17.1');
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('needs Node >= 22.18');
    expect(run('20.19.0').status).toBe(2);
  });

  it("does not restart on the shield's configuration exit code, and waits longer than the shutdown grace", () => {
    const bad = spawnSync(process.execPath, [path.join(REPO_ROOT, 'origin', 'main.ts')], {
      env: { PATH: process.env.PATH ?? '', SHIELD_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(String(bad.status)).toBe(u.RestartPreventExitStatus);
    expect(Number(u.TimeoutStopSec) * 1000).toBeGreaterThan(Number(SHIELD_DEFAULTS.SHIELD_SHUTDOWN_GRACE_MS));
    // SIGTERM to the main process only, as `docker stop` does (the Dockerfile test stops it that way):
    // with SHIELD_WORKERS > 1 the primary stops its workers.
    expect(u.KillSignal).toBe('SIGTERM');
    expect(u.KillMode).toBe('mixed');
    // `systemctl reload` is the shield's certificate reload.
    expect(u.ExecReload).toBe('/bin/kill -HUP $MAINPID');
  });

  it('gives the service the cache directory the env template puts the disk tier in', () => {
    expect(`/var/cache/${u.CacheDirectory}`).toBe(sampleEnv().SHIELD_DISK_DIR);
  });

  it.runIf(hasCommand('systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', path.join(DEPLOY, 'edgeshield-shield.service')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('origin/deploy/shield.env', () => {
  it('sets only keys the shield reads, and the shield accepts it', () => {
    const known = new Set([
      ...Object.keys(SHIELD_DEFAULTS),
      ...Object.keys(TIER_DEFAULTS),
      ...Object.keys(LISTENER_DEFAULTS),
      // Keys without a default (unset = off).
      'SHIELD_SHARED_SECRET',
      'SHIELD_DISK_DIR',
      'SHIELD_TLS_CERT',
      'SHIELD_TLS_KEY',
      'SHIELD_TLS_CLIENT_CA',
    ]);
    const env = sampleEnv();
    for (const key of Object.keys(env)) expect(known.has(key), `${key} is not a shield setting`).toBe(true);
    const parsed = parseShieldConfig(env);
    expect(parsed.ok ? [] : parsed.error).toEqual([]);
  });
});

describe('origin/deploy/healthcheck.ts against a shield with TLS (throwaway certificate)', () => {
  const HEALTHCHECK = path.join(DEPLOY, 'healthcheck.ts');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgeshield-probe-'));
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat(
        [
          '-subj',
          '/CN=shield.example.com',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
      ),
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The shield's and the probe's environment: one process, TLS on, the given extra keys. */
  const tlsEnv = (port: number, extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    SHIELD_AUTH: 'off',
    SHIELD_HOST: '127.0.0.1',
    SHIELD_PORT: String(port),
    SHIELD_WORKERS: '1',
    SHIELD_UPSTREAMS: 'http://127.0.0.1:9',
    SHIELD_TLS_CERT: path.join(dir, 'cert.pem'),
    SHIELD_TLS_KEY: path.join(dir, 'key.pem'),
    ...extra,
  });
  const probe = (env: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      spawn(process.execPath, [HEALTHCHECK], { env, stdio: 'ignore' }).on('exit', (code) => resolve(code));
    });

  const cases = [
    ['HTTPS: GETs /healthz without checking the certificate', false],
    // Without a client certificate the probe cannot speak HTTP: it checks the listener accepts connections.
    ['mTLS (SHIELD_TLS_CLIENT_CA): checks that the listener accepts connections', true],
  ] as const;
  for (const [mode, clientCa] of cases) {
    it(`${mode}; unhealthy once the shield is stopped`, async () => {
      const env = tlsEnv(
        await freePort(),
        clientCa ? { SHIELD_TLS_CLIENT_CA: path.join(dir, 'cert.pem') } : {},
      );
      const main = [process.execPath, path.join(REPO_ROOT, 'origin', 'main.ts')];
      const shield = await startShieldProcess(main, REPO_ROOT, env);
      try {
        expect(await probe(env)).toBe(0);
        shield.child.kill('SIGTERM');
        expect(await shield.exited, shield.output()).toBe(0);
        expect(await probe(env)).toBe(1);
      } finally {
        shield.kill();
      }
    });
  }
});
