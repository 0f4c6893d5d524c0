/**
 * Judges the edge's configuration offline with the edge's own parser (parseEdgeConfig), plus the
 * checks only a deploy needs: shields Cloudflare can reach, secrets set as secrets, the bindings the
 * README describes. Pure: gets everything read by edge-source.ts; `exists` answers for paths.
 */
import { shown } from '../../src/core/config/issue.ts';
import { parseEdgeConfig } from '../../src/edge/config.ts';
import { EDGE_ENV_KEYS } from '../../src/edge/config-keys.ts';
import type { EdgeBindings, EdgeSource } from './edge-source.ts';
import { error, type Finding, okay, warn } from './findings.ts';
import { isLocalOnlyHost } from './reachable.ts';

/** Edge settings that hold secrets: `wrangler secret put`, never [vars] (AUTH_JWKS only with HS256 keys). */
export const EDGE_SECRETS = [
  'SHIELD_SHARED_SECRET',
  'EDGE_PURGE_SECRET',
  'AUTH_VERIFIERS',
  'EGRESS_VIEWER_SALT',
  'RTC_SHARED_SECRET',
] as const;

export interface EdgeCheckInput {
  readonly source: EdgeSource;
  /** `local`: what `wrangler dev` gets; `deploy`: what `wrangler deploy` ships. */
  readonly mode: 'local' | 'deploy';
  /** local: `.dev.vars`/`.env` values (they override [vars], as in wrangler dev). */
  readonly localVars?: Readonly<Record<string, string>>;
  /** deploy: the `--secrets-file` values. */
  readonly secretValues?: Readonly<Record<string, string>>;
  /** deploy with `--online`: the names `wrangler secret list` printed. */
  readonly deployedSecrets?: readonly string[];
  /** Whether a path (relative to the config's directory) exists. */
  readonly exists: (relativePath: string) => boolean;
}

export interface EdgeCheck {
  readonly findings: readonly Finding[];
  /** The edge's shared secret when its value is known (for the shield comparison). */
  readonly sharedSecret: string | undefined;
}

/**
 * A structurally valid key set standing in for an auth secret that is declared (or cannot be
 * verified offline), so the parser judges everything else. Never leaves the doctor.
 */
const STAND_IN_JWKS = JSON.stringify({
  keys: [{ kty: 'oct', kid: 'doctor-stand-in', alg: 'HS256', k: 'A'.repeat(43) }],
});

type SecretStatus = 'value' | 'set' | 'absent' | 'unknown';

/** @example checkEdge({ source, mode: 'deploy', exists: () => true }).findings */
export function checkEdge(input: EdgeCheckInput): EdgeCheck {
  const { source, mode } = input;
  const findings: Finding[] = [];
  const envFlag = source.envName === undefined ? '' : ` --env ${source.envName}`;
  if (source.envName !== undefined && !source.envSectionFound) {
    findings.push(
      warn(`wrangler.toml has no [env.${source.envName}]: wrangler uses the top-level settings for it`),
    );
  }
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(source.vars)) {
    if (typeof value === 'string') strings[key] = value;
    else
      findings.push(
        error({
          key,
          expected: 'a string in [vars] (a TOML number or table reaches the Worker as JSON)',
          got: `${typeof value} ${shown(value)}`,
        }),
      );
    if (!(EDGE_ENV_KEYS as readonly string[]).includes(key)) {
      findings.push(warn(`${key}: not a setting the edge reads (a typo?); ignored`));
    }
  }
  for (const key of EDGE_SECRETS) {
    if ((strings[key] ?? '') !== '') findings.push(secretInVars(key, mode, envFlag));
  }
  if (/"kty"\s*:\s*"oct"/.test(strings.AUTH_JWKS ?? ''))
    findings.push(secretInVars('AUTH_JWKS', mode, envFlag));

  const env: Record<string, string> = { ...strings };
  const status = (key: string): SecretStatus => {
    if (input.secretValues?.[key] !== undefined || (key in strings && strings[key] !== '')) return 'value';
    if (source.requiredSecrets.includes(key) || input.deployedSecrets?.includes(key)) return 'set';
    return input.deployedSecrets !== undefined ? 'absent' : 'unknown';
  };
  if (mode === 'local') {
    Object.assign(env, input.localVars);
    if ((env.SHIELD_SHARED_SECRET ?? '') === '') {
      findings.push(
        warn(
          'SHIELD_SHARED_SECRET: not set (.dev.vars): a shield with SHIELD_AUTH=required answers 401 to this edge',
        ),
      );
    }
  } else {
    for (const [key, value] of Object.entries(input.secretValues ?? {})) {
      if ((EDGE_ENV_KEYS as readonly string[]).includes(key)) env[key] = value;
      else findings.push(warn(`${key} (secrets file): not a setting the edge reads (a typo?)`));
    }
    findings.push(...deploySecrets(env, status, envFlag));
  }

  const parsed = parseEdgeConfig(env);
  if (!parsed.ok) {
    for (const issue of parsed.error) findings.push(error(issue));
  } else {
    const { shieldUrls, auth, rtc } = parsed.value;
    const webrtc = rtc ? `; WebRTC: ${rtc.urls.length} media server(s) ${rtc.urls.join(', ')}` : '';
    findings.push(
      okay(
        `parseEdgeConfig accepts it: ${shieldUrls.length} shield(s) ${shieldUrls.join(', ')}; auth ${auth.mode}${webrtc}`,
      ),
    );
    // Media servers push WebRTC usage to POST /rtc-usage, which needs the Queue to reach the D1 ledger.
    if (rtc && !source.bindings.queueProducers.some((p) => p.binding === 'EGRESS_QUEUE'))
      findings.push(
        warn(
          'EGRESS_QUEUE: no Queue producer binding: POST /rtc-usage answers 503, so WebRTC usage pushed by media servers (RTC_USAGE_URL) never reaches the D1 ledger',
        ),
      );
    if (mode === 'deploy') {
      findings.push(...deployRules(shieldUrls, parsed.value.geo.trustClientCountry));
      if (rtc) findings.push(...reachableUrls('RTC_URLS', 'media server', rtc.urls));
      // The media server admits whatever carries its secret; without one it trusts any caller's viewer facts.
      if (rtc && rtc.secret === undefined && status('RTC_SHARED_SECRET') === 'absent')
        findings.push(
          warn(
            `RTC_SHARED_SECRET: not set; set it with \`npx wrangler secret put RTC_SHARED_SECRET${envFlag}\` to the media server's secret`,
          ),
        );
    }
  }
  findings.push(...checkBindings(source.bindings, mode, input.exists));
  const secret = env.SHIELD_SHARED_SECRET;
  return { findings, sharedSecret: secret === '' ? undefined : secret };
}

function secretInVars(key: string, mode: 'local' | 'deploy', envFlag: string): Finding {
  const issue = {
    key,
    expected: `a secret (\`npx wrangler secret put ${key}${envFlag}\`), not a [vars] value in wrangler.toml`,
    got: 'a value in [vars]',
  };
  return mode === 'deploy' ? error(issue) : warn(`${issue.key}: expected ${issue.expected}`);
}

/** Deploy: which secrets the edge needs and whether the doctor could see them. Adds stand-ins to `env`. */
function deploySecrets(
  env: Record<string, string>,
  status: (key: string) => SecretStatus,
  envFlag: string,
): Finding[] {
  const out: Finding[] = [];
  const put = (key: string) => `\`npx wrangler secret put ${key}${envFlag}\``;
  const unverifiable = (what: string, key: string) =>
    warn(
      `${what}: cannot verify offline; set it with ${put(key)} and list it in secrets.required ` +
        '(or run the doctor with --secrets-file FILE or --online)',
    );
  const secret = status('SHIELD_SHARED_SECRET');
  if (secret === 'absent') {
    out.push(
      error({
        key: 'SHIELD_SHARED_SECRET',
        expected: `the shields' secret, set with ${put('SHIELD_SHARED_SECRET')} (shields refuse requests without it)`,
        got: 'no such secret',
      }),
    );
  } else if (secret === 'unknown') out.push(unverifiable('SHIELD_SHARED_SECRET', 'SHIELD_SHARED_SECRET'));
  else if (secret === 'set') out.push(okay('SHIELD_SHARED_SECRET: set (value not checked)'));
  else if ((env.SHIELD_SHARED_SECRET ?? '').length < 32) {
    out.push(
      warn('SHIELD_SHARED_SECRET: shorter than 32 characters; `openssl rand -hex 32` makes a good one'),
    );
  }

  const authMode = (env.AUTH_MODE ?? 'required').trim();
  if (authMode === 'off') out.push(warn('AUTH_MODE: "off": every viewer gets every object without a token'));
  const hasKey = ['AUTH_JWKS', 'AUTH_JWKS_URL', 'AUTH_VERIFIERS'].some((k) => (env[k] ?? '').trim() !== '');
  if (authMode !== 'off' && !hasKey) {
    const jwks = status('AUTH_JWKS');
    const verifiers = status('AUTH_VERIFIERS');
    if (jwks === 'set' || verifiers === 'set') {
      out.push(okay(`${jwks === 'set' ? 'AUTH_JWKS' : 'AUTH_VERIFIERS'}: set (value not checked)`));
      env.AUTH_JWKS = STAND_IN_JWKS;
    } else if (jwks === 'unknown' || verifiers === 'unknown') {
      out.push(unverifiable('AUTH_JWKS or AUTH_VERIFIERS', 'AUTH_JWKS'));
      env.AUTH_JWKS = STAND_IN_JWKS;
    }
  }
  return out;
}

/** SHIELD_URLS and RTC_URLS: Cloudflare must reach each, and the shared secret should not cross in clear. */
function reachableUrls(key: 'SHIELD_URLS' | 'RTC_URLS', what: string, urls: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const [i, url] of urls.entries()) {
    const { hostname, protocol } = new URL(url);
    if (isLocalOnlyHost(hostname)) {
      out.push(
        error({
          key: `${key}[${i}]`,
          expected: `a ${what} address Cloudflare can reach (not loopback, private or localhost)`,
          got: shown(url),
        }),
      );
    } else if (protocol === 'http:') {
      out.push(warn(`${key}[${i}]: plain http: the shared secret crosses the internet readable; use https`));
    }
  }
  return out;
}

function deployRules(shieldUrls: readonly string[], trustClientCountry: boolean): Finding[] {
  const out = reachableUrls('SHIELD_URLS', 'shield', shieldUrls);
  if (trustClientCountry) {
    out.push(
      error({
        key: 'DEV_TRUST_CLIENT_COUNTRY',
        expected: '"off" in production (on lets viewers pick their country)',
        got: '"on"',
      }),
    );
  }
  return out;
}

/** The bindings src/edge/index.ts reads; absent ones turn their egress sink off. */
function checkBindings(b: EdgeBindings, mode: 'local' | 'deploy', exists: (p: string) => boolean): Finding[] {
  const out: Finding[] = [];
  const parts: string[] = [];
  const ledger = b.d1.find((d) => d.binding === 'LEDGER');
  // CONTROL: the control plane's store (issue 15; src/edge/control), optional.
  const control = b.d1.find((d) => d.binding === 'CONTROL');
  for (const d of b.d1.filter((x) => x.binding !== 'LEDGER' && x.binding !== 'CONTROL')) {
    out.push(
      warn(`d1_databases ${d.binding}: the edge reads only LEDGER and CONTROL; this binding is unused`),
    );
  }
  if (control) {
    parts.push(`CONTROL → D1 ${control.databaseName ?? '?'} (operator API, tenants)`);
    // The Worker applies its own migrations on first use; only `wrangler d1 migrations apply` needs the dir.
    if (control.migrationsDir === undefined || !exists(control.migrationsDir)) {
      out.push(
        warn(
          `d1_databases CONTROL: migrations_dir ${shown(control.migrationsDir)} not found (wrangler d1 migrations apply needs src/edge/control/migrations)`,
        ),
      );
    }
    if (mode === 'deploy' && isPlaceholderId(control.databaseId)) {
      out.push(databaseIdIssue('CONTROL', control.databaseName, control.databaseId));
    }
  }
  if (ledger) {
    parts.push(`LEDGER → D1 ${ledger.databaseName ?? '?'}`);
    if (ledger.migrationsDir === undefined || !exists(ledger.migrationsDir)) {
      out.push(
        error({
          key: 'd1_databases[LEDGER].migrations_dir',
          expected: 'the ledger migrations directory (src/edge/egress/migrations)',
          got: shown(ledger.migrationsDir),
        }),
      );
    }
    // The all-zero id in wrangler.toml is a local placeholder; a deploy needs the real database.
    if (mode === 'deploy' && isPlaceholderId(ledger.databaseId)) {
      out.push(databaseIdIssue('LEDGER', ledger.databaseName, ledger.databaseId));
    }
  }
  const producer = b.queueProducers.find((p) => p.binding === 'EGRESS_QUEUE');
  if (producer) {
    const consumed = b.queueConsumers.includes(producer.queue);
    parts.push(`EGRESS_QUEUE → queue ${producer.queue}${consumed ? ' (consumed here)' : ''}`);
    if (!consumed) {
      out.push(
        warn(
          `EGRESS_QUEUE: no [[queues.consumers]] for ${producer.queue}: records wait for another consumer`,
        ),
      );
    }
  }
  if (b.queueConsumers.length > 0 && !ledger) {
    out.push(
      error({
        key: 'LEDGER',
        expected:
          'a D1 binding: the queue consumer writes the ledger there (without it every batch is retried)',
        got: 'no D1 binding named LEDGER',
      }),
    );
  }
  const analytics = b.analytics.find((a) => a.binding === 'EGRESS');
  if (analytics) parts.push(`EGRESS → Analytics Engine ${analytics.dataset ?? '(dataset = binding)'}`);
  const purgeLog = b.kv.find((k) => k.binding === 'PURGE_LOG');
  if (purgeLog) {
    parts.push('PURGE_LOG → KV');
    // The all-zero id in wrangler.toml is a local placeholder, like the D1 one.
    if (mode === 'deploy' && (!/^[0-9a-f]{32}$/.test(purgeLog.id ?? '') || /^0+$/.test(purgeLog.id ?? ''))) {
      out.push(
        error({
          key: 'kv_namespaces[PURGE_LOG].id',
          expected: 'the id printed by `npx wrangler kv namespace create PURGE_LOG`',
          got: shown(purgeLog.id),
        }),
      );
    }
  }
  const off = [
    ...(producer ? [] : ['EGRESS_QUEUE (sink off)']),
    ...(ledger ? [] : ['LEDGER (sink off)']),
    ...(analytics ? [] : ['EGRESS (sink off)']),
    ...(purgeLog ? [] : ['PURGE_LOG (POST /purge answers 503)']),
  ];
  out.push(
    okay(
      `bindings: ${parts.length > 0 ? parts.join(', ') : 'none'}${off.length > 0 ? `; not bound: ${off.join(', ')}` : ''}`,
    ),
  );
  return out;
}

/** Not a D1 id, or one of wrangler.toml's local placeholders (zeros, with at most a last digit). */
function isPlaceholderId(databaseId: string | undefined): boolean {
  const id = databaseId ?? '';
  return !/^[0-9a-f-]{36}$/.test(id) || /^[0-]+[0-9]?$/.test(id);
}

function databaseIdIssue(
  binding: 'LEDGER' | 'CONTROL',
  name: string | undefined,
  id: string | undefined,
): Finding {
  const fallback = binding === 'LEDGER' ? 'edgeshield-ledger' : 'edgeshield-control';
  return error({
    key: `d1_databases[${binding}].database_id`,
    expected: `the id printed by \`npx wrangler d1 create ${name ?? fallback}\``,
    got: shown(id),
  });
}
