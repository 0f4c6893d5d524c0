/**
 * CMSD out (CTA-5006 Common Media Server Data): the `CMSD-Static` and `CMSD-Dynamic` header values
 * the edge adds so CMSD-aware players (dash.js, hls.js-class) can react to the delivery path.
 *
 * Pure: no I/O, no clock. Values are RFC 8941 structured fields, serialised by hand (a handful of
 * keys; no library needed). Never throws: unusable inputs are left out of the header.
 */
import type { ContentKind } from '../hls/content-kind.ts';
import { type PolicyTable, selectPolicy } from '../hls/policy.ts';

export interface CmsdInput {
  /** This intermediary's identity: the string item of its CMSD-Dynamic entry (`n`). */
  readonly node: string;
  /** What the response carries; mapped to CMSD `ot`. */
  readonly contentKind: ContentKind;
  /** Estimated throughput to this client in kbps (`etp`), when known (e.g. CMCD `mtp`). */
  readonly etpKbps?: number;
  /** Maximum suggested bitrate in kbps (`mb`), when a region cap applies. */
  readonly maxBitrateKbps?: number;
}

export interface CmsdHeaders {
  readonly 'CMSD-Static': string;
  readonly 'CMSD-Dynamic': string;
}

// CTA-5006 §4 `ot`: m manifest, v video (muxed segments count as video), k key, o other.
const OBJECT_TYPE: Readonly<Record<ContentKind, string>> = {
  playlist: 'm',
  segment: 'v',
  part: 'v',
  key: 'k',
  other: 'o',
};

/** RFC 8941 §3.3.3 sf-string: printable ASCII, `"` and `\` escaped. Anything else is dropped. */
function sfString(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '');
  return `"${printable.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

function sfInteger(value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value) || value < 0) return undefined;
  // RFC 8941 §3.3.1: integers have at most 15 digits.
  return Math.min(Math.round(value), 999_999_999_999_999);
}

/**
 * @example
 *   cmsdHeaders({ node: 'edge-FRA', contentKind: 'segment', etpKbps: 9000 })
 *   // { 'CMSD-Static': 'ot=v,sf=h,v=1', 'CMSD-Dynamic': '"edge-FRA";etp=9000' }
 */
export function cmsdHeaders(input: CmsdInput): CmsdHeaders {
  // `sf=h`: everything this CDN serves is HLS. `v=1`: CMSD version.
  const staticValue = `ot=${OBJECT_TYPE[input.contentKind]},sf=h,v=1`;
  let dynamic = sfString(input.node);
  const etp = sfInteger(input.etpKbps);
  if (etp !== undefined) dynamic += `;etp=${etp}`;
  const mb = sfInteger(input.maxBitrateKbps);
  if (mb !== undefined) dynamic += `;mb=${mb}`;
  return { 'CMSD-Static': staticValue, 'CMSD-Dynamic': dynamic };
}

/**
 * CTA-5006 `mb` for a viewer: the BANDWIDTH cap (bits/s) of the region policy that applies to them,
 * in kbps, rounded down so a player honouring it never picks a variant the master cap removed.
 * Undefined when no policy applies or the policy has no bandwidth cap (a `maxHeight`-only policy
 * still removes variants from the master, but implies no bitrate the edge could state).
 *
 * @example regionMaxBitrateKbps({ countries: { BR: { maxBandwidth: 1_500_000 } } }, { country: 'BR' }) // 1500
 */
export function regionMaxBitrateKbps(
  table: PolicyTable,
  geo: { readonly country: string; readonly region?: string | undefined } | undefined,
): number | undefined {
  const cap = selectPolicy(table, geo)?.policy.maxBandwidth;
  return cap === undefined || !Number.isFinite(cap) || cap <= 0 ? undefined : Math.floor(cap / 1000);
}
