/**
 * `npm run admin -- <resource> <verb> …`: the operator API from a shell (see cli.ts and
 * `npm run admin -- --help`). The only reader of argv and env here.
 */
import { readFile } from 'node:fs/promises';
import { runAdmin } from './cli.ts';

process.exitCode = await runAdmin(process.argv.slice(2), {
  env: process.env,
  fetch: (url, init) => fetch(url, init),
  readFile: (path) => readFile(path, 'utf8'),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
