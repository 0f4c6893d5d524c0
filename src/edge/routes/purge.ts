/**
 * `POST /purge` (issue 13): an operator purges objects by exact URL or by path prefix, at the edge and
 * at every shield. Authenticated with `Authorization: Bearer <EDGE_PURGE_SECRET>` (or the shield secret,
 * if ≥ 16 characters, when no purge secret is set), compared in constant time.
 *
 * Order matters: every shield purges first, then the purge is recorded in the edge's purge log (KV,
 * read by every isolate and colo). An edge fill that started before the shields forgot the object
 * carries a fetch time before the record and counts as purged; one that starts after can only get
 * fresh bytes. Exact URLs are also deleted from this colo's `caches.default` at once (for the host
 * the purge was sent to). Answers 200 when every shield confirmed, else 502 EDGE_ERR_PURGE_INCOMPLETE
 * with each shield's answer: retry (a purge is idempotent). Must not reveal shield addresses (shields
 * are numbered in SHIELD_URLS order) or the secret.
 */
import type { Context } from 'hono';
import { type PurgeTargets, parsePurgeTargets, type SplitUrl } from '../../core/cache/purge.ts';
import { errorBodyText, SHIELD_AUTH_HEADER } from '../../core/http/shield-contract.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError, type EdgeErrorCode, edgeErrorMapping } from '../errors.ts';
import { type PurgeLog, PurgeLogFullError } from '../purge/purge-log.ts';
import { sameSecret } from '../same-secret.ts';

export const PURGE_PATH = '/purge';
const MAX_BODY_CHARS = 64 * 1024;

export interface PurgeDeps {
  /** The Bearer secret; undefined = purge unavailable. */
  readonly secret: string | undefined;
  /** The shared purge log; undefined without a PURGE_LOG binding = purge unavailable. */
  readonly log: PurgeLog | undefined;
  readonly cache: Cache;
  readonly shieldUrls: readonly string[];
  readonly shieldSecret: string | undefined;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly keyParams: readonly string[];
}

/** One shield's answer, numbered 1… in SHIELD_URLS order; status 0 = no answer in time. */
interface ShieldOutcome {
  readonly shield: number;
  readonly status: number;
  readonly purged?: number;
}

/** @example app.post(PURGE_PATH, purgeRoute(deps)) */
export function purgeRoute(deps: PurgeDeps): (c: Context<EdgeHonoEnv>) => Promise<Response> {
  return async function purge(c) {
    const { secret, log } = deps;
    if (secret === undefined || log === undefined) {
      throw new EdgeError(
        'EDGE_ERR_PURGE_UNAVAILABLE',
        secret === undefined
          ? 'no EDGE_PURGE_SECRET or SHIELD_SHARED_SECRET of >= 16 characters'
          : 'no PURGE_LOG KV binding',
      );
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (presented === undefined) throw new EdgeError('EDGE_ERR_PURGE_UNAUTHORIZED', 'no Bearer credential');
    if (!(await sameSecret(presented, secret)))
      throw new EdgeError('EDGE_ERR_PURGE_FORBIDDEN', 'wrong purge credential');

    const targets = await readTargets(c, deps.keyParams);
    if (!targets.ok) return withDetail('EDGE_ERR_PURGE_BAD_REQUEST', targets.error);
    const shields = await Promise.all(
      deps.shieldUrls.map((url, i) => purgeShield(deps, url, i + 1, targets.value)),
    );
    try {
      await log.record(
        [
          ...targets.value.urls.map((target) => ({ kind: 'url' as const, target })),
          ...targets.value.prefixes.map((target) => ({ kind: 'prefix' as const, target })),
        ],
        deps.now(),
      );
    } catch (error) {
      if (error instanceof PurgeLogFullError)
        throw new EdgeError('EDGE_ERR_PURGE_LOG_FULL', error.message, { cause: error });
      throw error;
    }
    const host = new URL(c.req.url).host.toLowerCase();
    const deleted = await Promise.all(
      targets.value.urls.map((pathAndQuery) =>
        deps.cache.delete(new Request(`https://${host}${pathAndQuery}`)),
      ),
    );
    const body = {
      purged: targets.value,
      edge: {
        recorded: targets.value.urls.length + targets.value.prefixes.length,
        deletedHere: deleted.filter(Boolean).length,
      },
      shields,
    };
    if (shields.every((s) => s.status >= 200 && s.status < 300)) {
      return new Response(`${JSON.stringify(body)}\n`, {
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    }
    return withDetail('EDGE_ERR_PURGE_INCOMPLETE', undefined, body);
  };
}

async function readTargets(c: Context<EdgeHonoEnv>, keyParams: readonly string[]) {
  const text = (await c.req.text()).trim();
  if (text.length > MAX_BODY_CHARS) return { ok: false as const, error: 'body over 64 KiB' };
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false as const, error: 'the body must be JSON' };
    }
  }
  const query = new URL(c.req.url).searchParams;
  return parsePurgeTargets(
    body,
    { urls: query.getAll('url'), prefixes: query.getAll('prefix') },
    keyParams,
    splitUrl,
  );
}

/** WHATWG URL parsing for the pure parser: a path or an absolute URL (its host is ignored). */
export const splitUrl: SplitUrl = (raw) => {
  if (!URL.canParse(raw, 'http://purge.invalid')) return undefined;
  const url = new URL(raw, 'http://purge.invalid');
  return { path: url.pathname, params: url.searchParams };
};

async function purgeShield(
  deps: PurgeDeps,
  url: string,
  shield: number,
  targets: PurgeTargets,
): Promise<ShieldOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (deps.shieldSecret !== undefined) headers[SHIELD_AUTH_HEADER] = deps.shieldSecret;
  try {
    const res = await deps.fetch(`${url}/purge`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ urls: targets.urls, prefixes: targets.prefixes }),
      signal: AbortSignal.timeout(deps.timeoutMs),
      redirect: 'manual',
    });
    const answer = (await res.json().catch(() => ({}))) as { purged?: unknown };
    return {
      shield,
      status: res.status,
      ...(typeof answer.purged === 'number' ? { purged: answer.purged } : {}),
    };
  } catch (cause) {
    console.warn(
      JSON.stringify({
        level: 'warn',
        event: 'purge-shield-failed',
        shield,
        message: cause instanceof Error ? cause.message : String(cause),
      }),
    );
    return { shield, status: 0 };
  }
}

/** The code's JSON error with an operator-facing detail and, for a partial purge, what happened. */
function withDetail(code: EdgeErrorCode, detail: string | undefined, extra: object = {}): Response {
  const { status, message, headers } = edgeErrorMapping(code);
  const base = JSON.parse(errorBodyText(code, message)) as object;
  return new Response(
    `${JSON.stringify({ ...base, ...(detail === undefined ? {} : { detail }), ...extra })}\n`,
    {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    },
  );
}
