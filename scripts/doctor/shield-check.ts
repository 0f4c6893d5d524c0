/**
 * Judges a shield's environment offline with the shield's own parser (parseShieldConfig), plus what
 * only matters next to an edge: the same shared secret, and an address the edge can reach. Pure.
 */
import { parseShieldConfig } from '../../origin/config.ts';
import { error, type Finding, okay, warn } from './findings.ts';

export interface ShieldCheckInput {
  /** The shield's environment: an env file's keys, or the SHIELD_* part of the environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly mode: 'local' | 'deploy';
  /** The edge's SHIELD_SHARED_SECRET when the doctor knows its value. */
  readonly edgeSecret: string | undefined;
}

/** @example checkShield({ env: { SHIELD_AUTH: 'off' }, mode: 'local', edgeSecret: undefined }) */
export function checkShield(input: ShieldCheckInput): Finding[] {
  const out: Finding[] = [];
  const parsed = parseShieldConfig(input.env);
  if (!parsed.ok) {
    for (const issue of parsed.error) out.push(error(issue));
    return out;
  }
  const c = parsed.value;
  out.push(
    okay(
      `parseShieldConfig accepts it: listens ${c.host}:${c.port}, upstreams ${c.upstreams.join(', ')}, ` +
        `cache ${(c.cacheBytes / 2 ** 30).toFixed(1)} GiB, auth ${c.sharedSecret === undefined ? 'off' : 'required'}`,
    ),
  );
  if (input.edgeSecret !== undefined && c.sharedSecret !== undefined && input.edgeSecret !== c.sharedSecret) {
    out.push(
      error({
        key: 'SHIELD_SHARED_SECRET',
        expected: "the edge's SHIELD_SHARED_SECRET (the shield answers 401 to anything else)",
        got: 'a different value',
      }),
    );
  }
  if (input.mode === 'deploy') {
    if (c.sharedSecret === undefined) {
      out.push(warn('SHIELD_AUTH: "off": anyone who can reach the shield can read and purge through it'));
    }
    if (/^(127\.|localhost$|::1$)/.test(c.host)) {
      out.push(
        warn(
          `SHIELD_HOST: ${c.host} listens on loopback only; the edge reaches it only through a local proxy`,
        ),
      );
    }
  }
  return out;
}
