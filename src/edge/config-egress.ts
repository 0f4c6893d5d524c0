/**
 * Egress ledger configuration (issue 8): the EGRESS_* and CMSD_* string vars. Bindings (the Queue,
 * D1 and Analytics Engine dataset) are not config: index.ts turns each present binding into a sink.
 * Defaults live here. Never throws: problems are pushed as issues naming key, expectation, found.
 */
import { type IssueSink, shown } from '../core/config/issue.ts';
import { readInteger, readOnOff } from '../core/config/read.ts';

export interface EgressEnv {
  /** `on` (default): one NDJSON line per response on stdout (console.log). `off`: none. */
  readonly EGRESS_STDOUT?: string;
  /** Directory segments that name a content item in the ledger's contentId (1–8, default 1). */
  readonly EGRESS_CONTENT_DEPTH?: string;
  /** Salt mixed into the viewer hash; set it as a secret to make hashes unlinkable across deployments. */
  readonly EGRESS_VIEWER_SALT?: string;
  /** This edge's CMSD-Dynamic identity; empty turns CMSD headers off. */
  readonly CMSD_NODE?: string;
}

export interface EgressConfig {
  readonly stdout: boolean;
  readonly contentDepth: number;
  readonly viewerSalt: string;
  /** undefined: no CMSD headers. */
  readonly cmsdNode: string | undefined;
}

export const EGRESS_DEFAULTS = {
  EGRESS_STDOUT: 'on',
  EGRESS_CONTENT_DEPTH: '1',
  EGRESS_VIEWER_SALT: '',
  CMSD_NODE: 'edgeshield-edge',
} as const;

/** @example parseEgressConfig({ EGRESS_STDOUT: 'off' }, issues).stdout // false */
export function parseEgressConfig(env: EgressEnv, issues: IssueSink<keyof EgressEnv>): EgressConfig {
  const stdout = readOnOff(env.EGRESS_STDOUT ?? EGRESS_DEFAULTS.EGRESS_STDOUT, 'EGRESS_STDOUT', issues);
  const contentDepth = readInteger(
    env.EGRESS_CONTENT_DEPTH ?? EGRESS_DEFAULTS.EGRESS_CONTENT_DEPTH,
    { key: 'EGRESS_CONTENT_DEPTH', min: 1, max: 8 },
    issues,
  );
  const node = env.CMSD_NODE ?? EGRESS_DEFAULTS.CMSD_NODE;
  // RFC 8941 sf-string: printable ASCII only; keep it short, it goes on every response.
  if (node !== '' && !/^[\x20-\x7e]{1,64}$/.test(node)) {
    issues.push({
      key: 'CMSD_NODE',
      expected: 'up to 64 printable ASCII characters, or empty',
      got: shown(node),
    });
  }
  return Object.freeze({
    stdout,
    contentDepth,
    viewerSalt: env.EGRESS_VIEWER_SALT ?? EGRESS_DEFAULTS.EGRESS_VIEWER_SALT,
    cmsdNode: node === '' ? undefined : node,
  });
}
