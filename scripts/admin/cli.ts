/**
 * `npm run admin -- <resource> <verb> …` over the operator API (issue 15). Takes argv, env, fetch and a
 * file reader, so a test drives it against the real Worker; main.ts is the only reader of process.*.
 * The key comes from EDGESHIELD_API_KEY or --key-file, never argv. Prints no stacks.
 * Exit codes: 0 done, 1 the API refused or replied with something other than JSON (status and body on
 * stderr), 64 usage error (--help: 0), 69 the API could not be reached.
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

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the socket error (ECONNREFUSED …) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

async function readNamed(io: AdminIo, path: string, what: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new UsageError(`${what} ${path}: cannot read (${reason(error)})`);
  }
}

/** @example process.exitCode = await runAdmin(process.argv.slice(2), io) */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(ADMIN_USAGE);
    return 0;
  }
  let parsed: ReturnType<typeof parseCommand>;
  let key: string | undefined;
  try {
    // `@FILE` stands for a file's text (JSON rules, policies, price tables).
    const expanded = await Promise.all(
      argv.map((a) => (a.startsWith('@') ? readNamed(io, a.slice(1), '@FILE') : a)),
    );
    parsed = parseCommand(expanded);
    key = parsed.keyFile
      ? (await readNamed(io, parsed.keyFile, '--key-file')).trim()
      : io.env.EDGESHIELD_API_KEY;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n${ADMIN_USAGE}`);
    return 64;
  }
  if (!key) {
    io.err('no API key: set EDGESHIELD_API_KEY or pass --key-file FILE');
    return 64;
  }
  const base = (io.env.EDGESHIELD_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const { request } = parsed;
  let res: Response;
  let text: string;
  try {
    res = await io.fetch(`${base}/api/v1${request.path}`, {
      method: request.method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
    text = await res.text();
  } catch (error) {
    io.err(`cannot reach ${base}: ${reason(error)}`);
    return 69;
  }
  let pretty: string;
  try {
    pretty = text === '' ? '' : JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not the API (a proxy page, a wrong EDGESHIELD_API_URL): show what came back as it came.
    io.err(`${res.status} non-JSON reply from ${base}:\n${text}`);
    return 1;
  }
  if (!res.ok) {
    io.err(`${res.status} ${pretty}`);
    return 1;
  }
  if (pretty !== '') io.out(pretty);
  return 0;
}
