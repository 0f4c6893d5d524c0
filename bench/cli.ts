/**
 * `npm run bench -- <scenario> [--out DIR] [--duration 30s] [--vus N] [--target URL] [--sign-keys DIR]
 *   [--private-stack] [--strict-latency] [--seed N] [--echo]`
 * `npm run bench -- --list`. Exit codes as k6: 0 pass, 99 thresholds crossed, 104 the target refused the
 * bench's viewers (401/403 to the probe; nothing measured), 64 bad usage, 1 run error.
 * The only reader of argv in bench/.
 */
import { join } from 'node:path';
import { parseCliArgs } from '../scripts/cli-args.ts';
import { REPO_ROOT } from '../scripts/stack/start-stack.ts';
import { BenchError } from './errors.ts';
import { EXIT_TARGET_REFUSED, exitCodeFor } from './exit-code.ts';
import { textReport } from './report-text.ts';
import { runBench } from './run.ts';
import { SCENARIOS } from './scenarios/index.ts';

const USAGE = `usage: npm run bench -- <scenario> [--out DIR] [--duration 30s] [--vus N] [--target http://127.0.0.1:8787]
         [--sign-keys .dev-keys] [--private-stack] [--strict-latency] [--seed N] [--echo]
       npm run bench -- --list
exit codes: 0 pass, 99 a threshold crossed, 104 the target refused the bench's viewers (401/403), 64 bad usage, 1 error`;

async function main(): Promise<number> {
  const { values, positionals } = parseCliArgs('bench', USAGE, {
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      duration: { type: 'string' },
      vus: { type: 'string' },
      target: { type: 'string' },
      'sign-keys': { type: 'string' },
      'private-stack': { type: 'boolean' },
      'strict-latency': { type: 'boolean' },
      seed: { type: 'string' },
      echo: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list || positionals.length === 0) {
    for (const s of Object.values(SCENARIOS))
      process.stdout.write(`${s.name.padEnd(18)} ${s.description}\n\n`);
    return positionals.length === 0 && !values.list ? 1 : 0;
  }
  const name = positionals[0] ?? '';
  const scenario = SCENARIOS[name];
  if (scenario === undefined) {
    process.stderr.write(
      `unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}\n${USAGE}\n`,
    );
    return 64;
  }
  const vus = values.vus === undefined ? undefined : Number(values.vus);
  if (vus !== undefined && (!Number.isInteger(vus) || vus < 1 || vus > 2000)) {
    process.stderr.write(`--vus: expected an integer 1..2000, got ${values.vus}\n`);
    return 1;
  }
  const out =
    values.out ??
    join(REPO_ROOT, 'bench', 'out', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const tty = process.stderr.isTTY === true;
  const { summary, summaryPath, reportPath } = await runBench({
    scenario,
    out,
    ...(values.target === undefined ? {} : { target: values.target }),
    privateStack: values['private-stack'] === true,
    strictLatency: values['strict-latency'] === true,
    ...(values['sign-keys'] === undefined ? {} : { signKeys: values['sign-keys'] }),
    env: process.env,
    ...(values.duration === undefined ? {} : { duration: values.duration }),
    ...(vus === undefined ? {} : { vus }),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    echo: values.echo === true,
    signal: abort.signal,
    progress: (line, final) =>
      process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`),
  });
  process.stdout.write(textReport(summary));
  process.stdout.write(`\n  summary: ${summaryPath}\n  report:  ${reportPath}\n`);
  return exitCodeFor(summary);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof BenchError) {
      // Operator-facing: the message says what to do; no stack.
      process.stderr.write(`bench: ${error.message}\n`);
      process.exitCode = error.code === 'BENCH_ERR_TARGET_REFUSED' ? EXIT_TARGET_REFUSED : 1;
      return;
    }
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
