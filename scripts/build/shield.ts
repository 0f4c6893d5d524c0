/**
 * `npm run build:shield [-- --out DIR]`: emits the shield as plain JavaScript (default dist/shield/):
 * origin/ and the src/core modules it imports, relative `.ts` imports rewritten to `.js`
 * (origin/tsconfig.build.json). Production runs `node dist/shield/origin/main.js`: Node then never loads
 * its TypeScript stripper, whose WebAssembly stays resident in every process that loads a `.ts` file
 * (~25–30 MiB per shield worker, README "CPU per hit and memory per worker"). The output directory is
 * removed first, so a module deleted from origin/ does not linger there. Exits non-zero when tsc reports
 * an error; the output must sit inside this checkout (or next to a `node_modules` and a `package.json`
 * with `"type": "module"`) to resolve the shield's dependencies and run as ES modules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
// Self-contained on purpose: the Dockerfile's build stage copies scripts/build/ alone.
let values: { out: string };
try {
  ({ values } = parseArgs({ options: { out: { type: 'string', default: 'dist/shield' } } }));
} catch (e) {
  process.stderr.write(`build:shield: ${(e as Error).message}\nusage: npm run build:shield [-- --out DIR]\n`);
  process.exit(64);
}
const out = path.resolve(values.out);
if (out === REPO_ROOT || REPO_ROOT.startsWith(out + path.sep)) {
  process.stderr.write(`build:shield: refusing to clear ${out}: it holds the repository\n`);
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(
  process.execPath,
  [tsc, '-p', path.join(REPO_ROOT, 'origin', 'tsconfig.build.json'), '--outDir', out],
  { stdio: 'inherit' },
);
const main = path.join(out, 'origin', 'main.js');
if (run.status !== 0 || !existsSync(main)) {
  process.stderr.write(`build:shield: tsc failed (exit ${run.status ?? run.signal})\n`);
  process.exit(1);
}
process.stdout.write(`build:shield: ${path.relative(process.cwd(), main) || main}\n`);
