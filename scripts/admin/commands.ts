/**
 * The admin CLI's commands (issue 15): `<resource> <verb> [positionals] [--flags]` → one operator API
 * request. Pure: argv in, a request description (or a usage error) out; cli.ts sends it.
 */

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under /api/v1, with query. */
  readonly path: string;
  readonly body?: unknown;
}

type Flags = Readonly<Record<string, string>>;

interface Command {
  /** Positional names after `<resource> <verb>`. */
  readonly args: readonly string[];
  readonly flags?: readonly string[];
  readonly build: (a: Readonly<Record<string, string>>, f: Flags) => ApiRequest;
}

const q = (params: Record<string, string | undefined>) => {
  const s = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return s.size > 0 ? `?${s}` : '';
};
const t = (id: string | undefined) => `/tenants/${encodeURIComponent(id ?? '')}`;
const json = (text: string | undefined, name: string): unknown => {
  try {
    return JSON.parse(text ?? '');
  } catch {
    throw new UsageError(`${name}: expected JSON`);
  }
};
const num = (text: string | undefined, name: string): number | undefined => {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected whole seconds`);
  return Number(text);
};
const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export const COMMANDS: Readonly<Record<string, Command>> = {
  'tenant create': {
    args: ['id'],
    flags: ['name'],
    build: (a, f) => ({ method: 'POST', path: '/tenants', body: { id: a.id, name: f.name ?? a.id } }),
  },
  'tenant list': { args: [], build: () => ({ method: 'GET', path: '/tenants' }) },
  'tenant delete': { args: ['id'], build: (a) => ({ method: 'DELETE', path: t(a.id) }) },
  'key create': {
    args: ['tenant'],
    flags: ['scopes', 'label'],
    // `-` as tenant: an operator key (every tenant).
    build: (a, f) => ({
      method: 'POST',
      path: a.tenant === '-' ? '/api-keys' : `${t(a.tenant)}/api-keys`,
      body: { scopes: list(f.scopes) ?? [], ...(f.label ? { label: f.label } : {}) },
    }),
  },
  'key list': { args: ['tenant'], build: (a) => ({ method: 'GET', path: `${t(a.tenant)}/api-keys` }) },
  'key revoke': {
    args: ['id'],
    build: (a) => ({ method: 'DELETE', path: `/api-keys/${encodeURIComponent(a.id ?? '')}` }),
  },
  'prefix add': {
    args: ['tenant', 'prefix'],
    build: (a) => ({ method: 'POST', path: `${t(a.tenant)}/prefixes`, body: { prefix: a.prefix } }),
  },
  'prefix list': { args: ['tenant'], build: (a) => ({ method: 'GET', path: `${t(a.tenant)}/prefixes` }) },
  'prefix delete': {
    args: ['tenant', 'prefix'],
    build: (a) => ({ method: 'DELETE', path: `${t(a.tenant)}/prefixes${q({ prefix: a.prefix })}` }),
  },
  'signing-key create': {
    args: ['tenant'],
    flags: ['alg'],
    build: (a, f) => ({
      method: 'POST',
      path: `${t(a.tenant)}/signing-keys`,
      body: f.alg ? { alg: f.alg } : {},
    }),
  },
  'signing-key list': {
    args: ['tenant'],
    build: (a) => ({ method: 'GET', path: `${t(a.tenant)}/signing-keys` }),
  },
  'signing-key rotate': {
    args: ['tenant'],
    build: (a) => ({ method: 'POST', path: `${t(a.tenant)}/signing-keys/rotate` }),
  },
  'signing-key delete': {
    args: ['tenant', 'kid'],
    build: (a) => ({
      method: 'DELETE',
      path: `${t(a.tenant)}/signing-keys/${encodeURIComponent(a.kid ?? '')}`,
    }),
  },
  'geo-rules put': {
    args: ['tenant', 'prefix', 'rules'],
    build: (a) => ({
      method: 'PUT',
      path: `${t(a.tenant)}/geo-rules`,
      body: { prefix: a.prefix, rules: json(a.rules, 'rules') },
    }),
  },
  'manifest-policies put': {
    args: ['tenant', 'prefix', 'policies'],
    build: (a) => ({
      method: 'PUT',
      path: `${t(a.tenant)}/manifest-policies`,
      body: { prefix: a.prefix, policies: json(a.policies, 'policies') },
    }),
  },
  'price-table get': {
    args: ['tenant'],
    build: (a) => ({ method: 'GET', path: `${t(a.tenant)}/price-table` }),
  },
  'price-table put': {
    args: ['tenant', 'table'],
    build: (a) => ({ method: 'PUT', path: `${t(a.tenant)}/price-table`, body: json(a.table, 'table') }),
  },
  'token mint': {
    args: ['tenant', 'path'],
    flags: ['ttl', 'sub', 'sid', 'ip', 'acl', 'use', 'in', 'allow-country', 'deny-country'],
    build: (a, f) => {
      const allow = list(f['allow-country']);
      const deny = list(f['deny-country']);
      return {
        method: 'POST',
        path: '/tokens',
        body: {
          tenant: a.tenant,
          path: a.path,
          ttl: num(f.ttl, 'ttl') ?? 3600,
          ...(f.acl ? { acl: list(f.acl) } : {}),
          ...(f.sub ? { sub: f.sub } : {}),
          ...(f.sid ? { sid: f.sid } : {}),
          ...(f.ip ? { ip: f.ip } : {}),
          ...(f.use ? { use: f.use } : {}),
          ...(f.in ? { in: f.in } : {}),
          ...(allow || deny ? { countries: { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) } } : {}),
        },
      };
    },
  },
  'revocation add': {
    args: [],
    flags: ['tenant', 'jti', 'sid', 'sub', 'until'],
    build: (_a, f) => ({
      method: 'POST',
      path: '/revocations',
      body: {
        ...(f.tenant ? { tenant: f.tenant } : {}),
        ...(f.jti ? { jti: f.jti } : {}),
        ...(f.sid ? { sid: f.sid } : {}),
        ...(f.sub ? { sub: f.sub } : {}),
        ...(f.until ? { until: num(f.until, 'until') } : {}),
      },
    }),
  },
  'revocation list': {
    args: [],
    flags: ['tenant'],
    build: (_a, f) => ({ method: 'GET', path: `/revocations${q({ tenant: f.tenant })}` }),
  },
  'usage get': {
    args: [],
    flags: ['from', 'to', 'by', 'tenant'],
    build: (_a, f) => ({
      method: 'GET',
      path: `/usage${q({ from: f.from, to: f.to, by: f.by, tenant: f.tenant })}`,
    }),
  },
  'audit list': {
    args: [],
    flags: ['tenant', 'limit'],
    build: (_a, f) => ({ method: 'GET', path: `/audit${q({ tenant: f.tenant, limit: f.limit })}` }),
  },
};

export class UsageError extends Error {
  override name = 'UsageError';
}

export const ADMIN_USAGE = `usage: npm run admin -- <resource> <verb> [args] [--flag value]…
  env: EDGESHIELD_API_URL (default http://127.0.0.1:8787), EDGESHIELD_API_KEY (or --key-file FILE)
${Object.entries(COMMANDS)
  .map(
    ([name, c]) =>
      `  ${name}${c.args.map((a) => ` <${a}>`).join('')}${(c.flags ?? []).map((f) => ` [--${f} …]`).join('')}`,
  )
  .join('\n')}
  JSON arguments (rules, policies, table) may be @FILE.`;

/**
 * @example parseCommand(['tenant', 'create', 'acme', '--name', 'Acme']) // { method: 'POST', path: '/tenants', body: … }
 */
export function parseCommand(argv: readonly string[]): { request: ApiRequest; keyFile?: string } {
  const [resource, verb, ...rest] = argv;
  const command = COMMANDS[`${resource ?? ''} ${verb ?? ''}`];
  if (!command)
    throw new UsageError(`unknown command ${JSON.stringify(`${resource ?? ''} ${verb ?? ''}`.trim())}`);
  const positionals: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const item = rest[i] ?? '';
    if (!item.startsWith('--')) {
      positionals.push(item);
      continue;
    }
    const [name, inline] = item.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    // A key on argv is readable by every local user (ps, /proc) and lands in shell history.
    if (name === 'key')
      throw new UsageError(
        '--key is not accepted (a key on the command line shows in ps and shell history): set EDGESHIELD_API_KEY or pass --key-file FILE',
      );
    if (name !== 'key-file' && !(command.flags ?? []).includes(name))
      throw new UsageError(`unknown option --${name}`);
    const value = inline ?? rest[++i];
    if (value === undefined) throw new UsageError(`--${name}: expected a value`);
    flags[name] = value;
  }
  if (positionals.length !== command.args.length)
    throw new UsageError(`expected ${command.args.map((a) => `<${a}>`).join(' ') || 'no arguments'}`);
  const args = Object.fromEntries(command.args.map((name, i) => [name, positionals[i] ?? '']));
  const { 'key-file': keyFile, ...rest2 } = flags;
  return { request: command.build(args, rest2), ...(keyFile ? { keyFile } : {}) };
}
