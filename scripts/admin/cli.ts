/**
 * `npm run admin -- <resource> <verb> …` over the operator API (issue 15). Takes argv, env, fetch and a
 * file reader, so a test drives it against the real Worker; main.ts is the only reader of process.*.
 * Exit codes: 0 done, 1 the API refused (its JSON error on stderr), 64 usage error (--help: 0).
 */
import { ADMIN_USAGE, parseCommand, UsageError } from './commands.ts';

export interface AdminIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly readFile: (path: string) => Promise<string>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8787';

/** @example process.exitCode = await runAdmin(process.argv.slice(2), io) */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(ADMIN_USAGE);
    return 0;
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    // `@FILE` stands for a file's text (JSON rules, policies, price tables).
    const expanded = await Promise.all(argv.map((a) => (a.startsWith('@') ? io.readFile(a.slice(1)) : a)));
    parsed = parseCommand(expanded);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${ADMIN_USAGE}`);
    return 64;
  }
  const key = parsed.key ?? io.env.EDGESHIELD_API_KEY;
  if (!key) {
    io.err('no API key: set EDGESHIELD_API_KEY or pass --key');
    return 64;
  }
  const base = (io.env.EDGESHIELD_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const { request } = parsed;
  const res = await io.fetch(`${base}/api/v1${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
  });
  const text = await res.text();
  const pretty = text === '' ? '' : JSON.stringify(JSON.parse(text), null, 2);
  if (!res.ok) {
    io.err(`${res.status} ${pretty}`);
    return 1;
  }
  if (pretty !== '') io.out(pretty);
  return 0;
}
