/**
 * The README cannot drift (issue 13): every command in its shell blocks is either run here against one
 * stack started with `npm start`'s launcher (startStack) and checked against what the README says it
 * does, or skipped for a reason given in README_COMMANDS, naming the test that covers it. A new or
 * reworded command that no entry matches fails the guard, naming its line. Relative links and anchors
 * must resolve. Commands are run as written; only the stack's free ports replace the default ones
 * (127.0.0.1:8787/8081/8080, and EDGE_PORT & co. in the environment), plus the per-entry `rewrite`s
 * that shrink benchmarks or point a placeholder at a real path.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { ensureShieldSecret } from '../../scripts/stack/shield-secret.ts';
import { REPO_ROOT, stackEdgeVars, startStack } from '../../scripts/stack/start-stack.ts';
import {
  benchSummaryWritten,
  type Check,
  edgeBenchLine,
  edgePurgeAnswer,
  exitsZero,
  fetchSignedUrl,
  type RunContext,
  writeDevVars,
} from '../fixtures/readme-checks.ts';
import {
  headingAnchors,
  type ReadmeCommand,
  readmeCommands,
  relativeLinks,
} from '../fixtures/readme-commands.ts';
import {
  assignedName,
  localize,
  runReadmeCommand,
  type ScratchCheckout,
  scratchCheckout,
} from '../fixtures/readme-run.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const COMMANDS = readmeCommands(README);
const COMMAND_TIMEOUT_MS = 60_000;
const PURGE_SECRET = 'readme-purge-secret-0123456789';
const ADMIN_API_KEY = 'readme-admin-api-key-0123456789abcdef';

type Entry = { readonly id: string; readonly match: RegExp } & (
  | { readonly skip: string; readonly coveredBy?: readonly string[] }
  | {
      /** [pattern, replacement] applied to the command; each must match (a stale rewrite fails). */
      readonly rewrite?: readonly (readonly [RegExp, string | ((ctx: RunContext) => string)])[];
      readonly setup?: (ctx: RunContext) => void | Promise<void>;
      /** Exit statuses that count as success (default [0]). */
      readonly exit?: readonly number[];
      /** Over the stack's environment (commandEnv); undefined removes a key. */
      readonly env?: Readonly<Record<string, string | undefined>>;
      readonly check: Check;
    }
);

/** One table: how each README command is exercised, or why it is not. The first matching entry wins. */
const README_COMMANDS: readonly Entry[] = [
  // Quick start
  {
    id: 'quick start',
    match: /^npm ci && npm start$/,
    skip: 'npm ci reinstalls the shared node_modules; npm start runs until Ctrl-C',
    coveredBy: [
      'test/e2e/dev-stack.test.ts',
      'test/e2e/dev-start-own-media.test.ts',
      'test/e2e/dev-start-config.test.ts',
    ],
  },
  {
    id: 'npm test',
    match: /^npm test$/,
    skip: 'runs every layer, this file included; CI runs it through .ci/run',
  },
  {
    id: 'front an origin',
    match: /^SHIELD_UPSTREAMS=\S+ START_PATH=\S+ npm start$/,
    skip: 'long-running; fronting a real origin is tested against python3 -m http.server',
    coveredBy: ['test/e2e/dev-start-origin.test.ts'],
  },
  // Doctor and deploy
  {
    id: 'doctor (local)',
    match: /^npm run doctor$/,
    setup: writeDevVars,
    // As after a default `npm start`: no SHIELD_* exported, so the doctor checks the edge alone.
    env: { SHIELD_PORT: undefined },
    check: exitsZero,
  },
  {
    id: 'doctor (production)',
    match: /^npm run doctor -- --env production\b/,
    skip: "needs the operator's [env.production] block, prod.secrets and shield.env",
    coveredBy: ['test/e2e/doctor.test.ts'],
  },
  {
    id: 'cloudflare account',
    match:
      /^npx wrangler (d1 create|queues create|kv namespace create|deploy|secret put|d1 migrations apply \S+ .*--remote)\b/,
    skip: 'needs a Cloudflare account (CI does not deploy; README "What CI verifies")',
  },
  {
    id: 'production healthz',
    match: /^curl -sf https:\/\/cdn\.example\.com\//,
    skip: 'the deployed production edge',
  },
  {
    id: 'prod.secrets lines',
    // Any KEY=… line whose value holds a <placeholder>: the secrets file's lines, shown in a shell block.
    match: /^[A-Z][A-Z0-9_]*=.*<[^>\n]+>/,
    skip: 'lines of the prod.secrets file (placeholders), not commands; the file is read with --secrets-file',
    coveredBy: ['test/e2e/doctor.test.ts'],
  },
  {
    id: 'build shield',
    match: /^npm run build:shield$/,
    // In the scratch checkout: the build lands in its dist/shield, never the repository's.
    check: (_r, ctx) =>
      expect(existsSync(join(ctx.scratch, 'dist', 'shield', 'origin', 'main.js'))).toBe(true),
  },
  {
    id: 'systemd host',
    match: /^sudo /,
    skip: 'root on a systemd host; the unit, its ExecStart and shield.env are checked',
    coveredBy: ['test/e2e/deploy-service.test.ts'],
  },
  {
    id: 'shield healthz',
    match: /^curl -sf http:\/\/127\.0\.0\.1:8081\/healthz$/,
    check: (r) => expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok' }),
  },
  {
    id: 'container',
    match: /^docker (build|run) /,
    skip: "no container engine here can pull node:22; the image's file layout, CMD and HEALTHCHECK are run",
    coveredBy: ['test/e2e/deploy-files.test.ts'],
  },
  { id: 'rolling restart', match: /^for host in .*\n\s*ssh /, skip: 'production shield hosts over ssh' },
  // Tokens: each signed URL is fetched; the status is the one the README's comment gives, else 200.
  { id: 'sign', match: /^npm run sign -- \/\S+/, check: fetchSignedUrl },
  // Geo
  {
    id: 'geo rules value',
    match: /^GEO_RULES='/,
    check: async (r, ctx) => {
      await stackEdgeVars({
        shieldUrl: ctx.stack.shieldUrl,
        secret: ctx.shieldSecret,
        edgeVars: { GEO_RULES: r.stdout },
      });
    },
  },
  {
    id: 'cf.json',
    match: /^echo '\{.*\}' > \/tmp\/cf\.json$/,
    rewrite: [[/\/tmp\/cf\.json/, 'cf.json']],
    check: (_, ctx) =>
      expect(JSON.parse(readFileSync(join(ctx.scratch, 'cf.json'), 'utf8'))).toMatchObject({ country: 'FR' }),
  },
  {
    id: 'wrangler dev with cf.json',
    match: /^CLOUDFLARE_CF_FETCH_PATH=\S+ npx wrangler dev\b/,
    skip: 'a second, long-running wrangler dev; cf.json through CLOUDFLARE_CF_FETCH_PATH drives a 451 geo rule there',
    coveredBy: ['test/e2e/auth.test.ts'],
  },
  // Purge (edge, then shield)
  {
    id: 'edge purge',
    match: /^curl -X POST -H "Authorization: Bearer \$EDGE_PURGE_SECRET" .*:8787\/purge/,
    check: edgePurgeAnswer,
  },
  {
    id: 'shield secret',
    match: /^SECRET=\$\(cat \.dev-keys\/shield-secret\)$/,
    check: (r, ctx) => expect(r.stdout).toBe(ctx.shieldSecret),
  },
  {
    id: 'shield purge',
    match: /^curl -X POST -H "x-edgeshield-auth: \$SECRET" .*:8081\/purge/,
    check: (r) =>
      expect(JSON.parse(r.stdout)).toEqual({ purged: expect.any(Number), fills: expect.any(Number) }),
  },
  // Bench
  {
    id: 'bench list',
    match: /^npm run bench -- --list$/,
    check: (r) => expect(r.stdout).toMatch(/vod-zipf[\s\S]*live-flash-crowd|live-flash-crowd[\s\S]*vod-zipf/),
  },
  {
    id: 'bench vod-zipf',
    match: /^npm run bench -- vod-zipf$/,
    skip: '30 s of load; the same run against a running stack, briefly',
    coveredBy: ['test/e2e/bench-reuse.test.ts'],
  },
  {
    id: 'bench private',
    match: /^npm run bench -- vod-zipf --private-stack$/,
    skip: 'starts a second stack and runs 30 s; the same run, briefly',
    coveredBy: ['test/e2e/bench-wiring.test.ts'],
  },
  {
    id: 'bench live crowd',
    match: /^npm run bench -- live-flash-crowd --duration \S+ --vus \d+ --out bench\/out\/live$/,
    rewrite: [
      [/--duration \S+/, '--duration 3s'],
      [/--vus \d+/, '--vus 3'],
    ],
    // 99 = a threshold missed (stalls on a loaded box): the verdict is the bench's, not a broken command.
    exit: [0, 99],
    check: benchSummaryWritten('bench/out/live'),
  },
  {
    id: 'bench target',
    match: /^npm run bench -- vod-zipf --target \S+( --sign-keys \S+)?$/,
    skip: '30 s of load; --target against a token-gated edge, with and without --sign-keys, briefly',
    coveredBy: ['test/e2e/bench-reuse.test.ts', 'test/e2e/bench-target.test.ts'],
  },
  {
    id: 'rtc dev server',
    match: /^RTC_AUTH=off npm run rtc$/,
    skip: 'runs until Ctrl-C; the media server is started in-process with the same config by the tests',
    coveredBy: ['test/shield/rtc-server.test.ts', 'test/playback/webrtc.test.ts'],
  },
  {
    id: 'bench webrtc',
    match: /^npm run bench:webrtc -- --viewers \d+ --seconds \d+$/,
    skip: 'about a minute of headless Chromium pages; what it drives (WHEP, WHIP, the player page, teardown) is tested',
    coveredBy: ['test/playback/webrtc.test.ts', 'test/unit/webrtc/session-record.test.ts'],
  },
  {
    id: 'bench shield',
    match: /^npm run bench:shield\b/,
    skip: 'multi-minute wrk/nginx benchmark; its goals, wrk parsing and production mode are tested',
    coveredBy: [
      'test/unit/bench/shield-goals.test.ts',
      'test/unit/bench/wrk-output.test.ts',
      'test/unit/bench/shield-production.test.ts',
    ],
  },
  {
    id: 'edge live storm',
    match: /^npx node bench\/edge\/live-storm\.ts \d+ \d+$/,
    rewrite: [[/live-storm\.ts \d+ \d+/, 'live-storm.ts 40 2']],
    check: edgeBenchLine('live-edge-miss-storm'),
  },
  {
    id: 'edge zipf',
    match: /^npx node bench\/edge\/zipf-vod\.ts \d+ \d+ \d+ [\d.]+$/,
    rewrite: [[/zipf-vod\.ts \d+ \d+ \d+/, 'zipf-vod.ts 200 20 10']],
    check: edgeBenchLine('vod-zipf'),
  },
  // Egress ledger, from what this run's requests wrote
  {
    id: 'egress table',
    match: /^npm run egress -- report --from \.egress$/,
    check: (r) =>
      expect(r.stdout).toMatch(
        /^egress report \(cloudfront-on-demand, USD\) .*\ndelivered to viewers .* in \d+ requests, cost .*\nrequest hit ratio /,
      ),
  },
  {
    id: 'egress html',
    match: /^npm run egress -- report --from edge\.ndjson --format html --out report\.html$/,
    setup: (ctx) =>
      copyFileSync(join(ctx.scratch, '.egress', 'edge.ndjson'), join(ctx.scratch, 'edge.ndjson')),
    check: (_, ctx) =>
      expect(readFileSync(join(ctx.scratch, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i),
  },
  {
    id: 'egress d1',
    match: /^npm run egress -- report --from d1 --d1-persist-to DIR /,
    rewrite: [[/ DIR /, (ctx) => ` ${ctx.stack.persistDir} `]],
    check: (r) => expect(r.stdout).toMatch(/^dimension,key,requests,/),
  },
  // Control plane (issue 15): the stack's edge has ADMIN_API_KEY and a local CONTROL store.
  {
    id: 'control API curl',
    match: /^curl -sf (-XPOST )?-H "authorization: Bearer \$ADMIN_API_KEY" /,
    check: (r) => expect(() => JSON.parse(r.stdout)).not.toThrow(),
  },
  // The README runs rotate right after create: the API must refuse it (409) until the next key has
  // reached every isolate (CONTROL_CACHE_TTL_S), as the README's comment says.
  {
    id: 'admin rotate too early',
    match: /^npm run admin -- signing-key rotate /,
    exit: [1],
    check: (r) => {
      expect(r.stderr).toContain('409');
      expect(r.stderr).toContain('EDGE_ERR_API_CONFLICT');
      expect(r.stderr).toContain('younger than CONTROL_CACHE_TTL_S');
    },
  },
  { id: 'admin CLI', match: /^npm run admin -- /, check: exitsZero },
  {
    id: 'egress statement',
    match: /^npm run egress -- statement --from d1 --d1-persist-to DIR /,
    rewrite: [[/ DIR /, (ctx) => ` ${ctx.stack.persistDir} `]],
    check: exitsZero,
  },
];

function entryFor(cmd: ReadmeCommand): Entry | undefined {
  return README_COMMANDS.find((e) => e.match.test(cmd.command));
}

const where = (cmd: ReadmeCommand) => `README.md:${cmd.line} \`${cmd.command}\``;

describe('README commands: every one is run or skipped for a reason', () => {
  it('finds the shell blocks (a parser that finds nothing would pass everything)', () => {
    expect(COMMANDS.length).toBeGreaterThan(20);
  });

  it('classifies every command in README_COMMANDS', () => {
    const unclassified = COMMANDS.filter((c) => entryFor(c) === undefined).map(where);
    expect(
      unclassified,
      'add each to README_COMMANDS in test/e2e/readme.test.ts (run, or skip with a reason)',
    ).toEqual([]);
  });

  it('has no entry that matches nothing (a stale entry hides the next command it would catch)', () => {
    const used = new Set(COMMANDS.map(entryFor));
    expect(README_COMMANDS.filter((e) => !used.has(e)).map((e) => e.id)).toEqual([]);
  });

  it('names covering tests that exist', () => {
    const named = README_COMMANDS.flatMap((e) => ('skip' in e ? (e.coveredBy ?? []) : []));
    expect(named.filter((file) => !existsSync(join(REPO_ROOT, file)))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const anchors = headingAnchors(README);
    const broken = relativeLinks(README).filter(({ target }) => {
      const [path = '', anchor] = target.split('#');
      if (path === '') return !anchors.has(anchor ?? '');
      return !existsSync(resolve(REPO_ROOT, decodeURIComponent(path)));
    });
    expect(broken.map((l) => `README.md:${l.line} ${l.target}`)).toEqual([]);
  });
});

describe.skipIf(!ffmpegAvailable)('README commands against a started stack', () => {
  let ctx: RunContext | undefined;
  let scratch: ScratchCheckout | undefined;
  /** Assignments (`SECRET=$(…)`) earlier in the same block, replayed before each later command. */
  const assignments = new Map<number, string[]>();

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    const { secret } = await ensureShieldSecret(join(REPO_ROOT, '.dev-keys'));
    scratch = scratchCheckout(REPO_ROOT);
    const stack = await startStack({
      mediaDir,
      sharedSecret: secret,
      egressDir: join(scratch.dir, '.egress'),
      edgeVars: { EDGE_PURGE_SECRET: PURGE_SECRET, ADMIN_API_KEY },
    });
    ctx = { stack, scratch: scratch.dir, shieldSecret: secret, mediaDir };
  }, 240_000);

  afterAll(async () => {
    await ctx?.stack.stop();
    scratch?.remove();
  });

  const runnable = COMMANDS.filter((c) => {
    const entry = entryFor(c);
    return entry !== undefined && !('skip' in entry);
  });

  it.each(runnable.map((c) => [where(c), c] as const))('%s', async (_, cmd) => {
    const entry = entryFor(cmd);
    if (ctx === undefined || entry === undefined || 'skip' in entry) throw new Error('stack did not start');
    const run = ctx;
    await entry.setup?.(run);
    let command = localize(cmd.command, run.stack);
    for (const [pattern, replacement] of entry.rewrite ?? []) {
      expect(pattern.test(command), `rewrite ${pattern} no longer matches ${where(cmd)}`).toBe(true);
      command = command.replace(pattern, typeof replacement === 'string' ? replacement : replacement(run));
    }
    const before = assignments.get(cmd.block) ?? [];
    const env = { ...commandEnv(run), ...entry.env };
    const result = await runReadmeCommand(command, {
      before,
      cwd: run.scratch,
      env,
      timeoutMs: COMMAND_TIMEOUT_MS,
    });
    if (assignedName(command)) assignments.set(cmd.block, [...before, command]);
    const detail = `${where(cmd)}\nran: ${command}\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`;
    expect(result.timedOut, detail).toBe(false);
    expect(entry.exit ?? [0], detail).toContain(result.status);
    await entry.check(result, run, cmd);
  });
});

/** The environment of a user who started `npm start` with these ports and exported them. */
function commandEnv(ctx: RunContext): NodeJS.ProcessEnv {
  const port = (url: string) => new URL(url).port;
  return {
    ...process.env,
    EDGE_PORT: port(ctx.stack.edgeUrl),
    SHIELD_PORT: port(ctx.stack.shieldUrl),
    PACKAGER_PORT: port(ctx.stack.packagerUrl),
    PACKAGER_ROOT: ctx.mediaDir,
    EDGE_PURGE_SECRET: PURGE_SECRET,
    // The control plane's README commands (curl, npm run admin).
    ADMIN_API_KEY,
    EDGESHIELD_API_KEY: ADMIN_API_KEY,
    EDGESHIELD_API_URL: ctx.stack.edgeUrl,
  };
}
