/**
 * `npm run doctor [-- --env NAME | --deploy] [--config FILE] [--env-file FILE]… [--secrets-file FILE]
 *   [--online] [--shield-env FILE]`: checks the edge and shield configuration offline with the
 * services' own parsers and exits 1 naming every issue (`KEY: expected …, got …`), so a bad value
 * is found before `wrangler deploy` or a shield restart, not at the first request (run.ts).
 *
 * The only reader of argv and process.env for the doctor. Exit codes: 0 no errors (warnings may be
 * printed), 1 errors found, 64 bad usage, 66 a named file cannot be read.
 */
import { runDoctor } from './run.ts';

runDoctor(process.argv.slice(2), process.env, process.cwd()).then(
  (run) => {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.exit(run.code);
  },
  (e: unknown) => {
    process.stderr.write(`doctor: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
