/**
 * The shield's container files (origin/deploy/Dockerfile, .dockerignore) against the code they
 * deploy: the image layout is rebuilt from the Dockerfile's own COPY/RUN/ENV/CMD/HEALTHCHECK lines and
 * run for real (production dependencies only). What this cannot do: pull the base image or build the
 * container (README "What CI verifies"). The systemd unit and env template: deploy-service.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.ts';
import { DEPLOY, pkg, REPO_ROOT, sampleEnv, startShieldProcess } from '../fixtures/deploy.ts';

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
