/**
 * `npm run sign -- <path-or-url> [--ttl S] [--acl PREFIX]… [--sub ID] [--sid ID] [--ip CIDR]
 *   [--allow-country CC,…] [--deny-country CC,…] [--format jwt|edgeauth|cloudfront|securelink]
 *   [--in query|path]` prints a signed edge URL for the local stack, using the dev keys (.dev-keys/,
 * made on first use; `npm start` gives the same keys to the edge). A negative --ttl makes an expired
 * token (`--ttl -60` and `--ttl=-60` both work). Paths resolve against EDGE_URL (default
 * http://127.0.0.1:$EDGE_PORT, port 8787 unless set: the same key `npm start` reads). The only reader
 * of argv/env.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signUrl } from '../../src/core/auth/signer.ts';
import { TOKEN_FORMATS, type TokenFormat } from '../../src/core/auth/types.ts';
import { REPO_ROOT } from '../stack/start-stack.ts';
import { joinNumericValues } from './args.ts';
import { ensureDevKeys } from './dev-keys.ts';

const USAGE =
  'usage: npm run sign -- <path-or-url> [--ttl S] [--acl PREFIX]… [--sub ID] [--sid ID] [--ip CIDR] ' +
  '[--allow-country CC,…] [--deny-country CC,…] [--format jwt|edgeauth|cloudfront|securelink] [--in query|path]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    // `--ttl -60` would otherwise be "ambiguous": parseArgs takes `-60` for an option.
    args: joinNumericValues(process.argv.slice(2), ['ttl']),
    allowPositionals: true,
    options: {
      ttl: { type: 'string', default: '3600' },
      acl: { type: 'string', multiple: true },
      sub: { type: 'string' },
      sid: { type: 'string' },
      ip: { type: 'string' },
      'allow-country': { type: 'string' },
      'deny-country': { type: 'string' },
      format: { type: 'string', default: 'jwt' },
      in: { type: 'string', default: 'query' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const target = positionals[0];
  if (values.help || target === undefined || positionals.length > 1) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const ttl = Number(values.ttl);
  const format = values.format as TokenFormat;
  if (!Number.isInteger(ttl)) fail(`--ttl: expected an integer number of seconds, got "${values.ttl}"`);
  if (!TOKEN_FORMATS.includes(format)) fail(`--format: expected one of ${TOKEN_FORMATS.join(', ')}`);
  if (values.in !== 'query' && values.in !== 'path') fail('--in: expected query or path');
  const countries = (v: string | undefined) => v?.split(',').map((c) => c.trim().toUpperCase());
  const base = (process.env.EDGE_URL || `http://127.0.0.1:${process.env.EDGE_PORT || '8787'}`).replace(
    /\/+$/,
    '',
  );
  const absolute = /^https?:\/\//.test(target)
    ? target
    : `${base}${target.startsWith('/') ? '' : '/'}${target}`;
  const keys = await ensureDevKeys(path.join(REPO_ROOT, '.dev-keys'));
  const allow = countries(values['allow-country']);
  const deny = countries(values['deny-country']);
  const url = await signUrl(crypto.subtle, keys.signer, absolute, {
    format,
    ttlS: ttl,
    now: Math.floor(Date.now() / 1000),
    in: values.in,
    ...(values.acl ? { acl: values.acl } : {}),
    ...(values.sub !== undefined ? { sub: values.sub } : {}),
    ...(values.sid !== undefined ? { sid: values.sid } : {}),
    ...(values.ip !== undefined ? { ip: values.ip } : {}),
    ...(allow ? { allowCountries: allow } : {}),
    ...(deny ? { denyCountries: deny } : {}),
  });
  console.log(url);
}

function fail(message: string): never {
  console.error(`sign: ${message}\n${USAGE}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error(`sign: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
