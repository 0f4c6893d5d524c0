/**
 * CMCD in (CTA-5004): the few client facts the egress ledger keeps, read from the `CMCD=` query
 * argument and the `CMCD-Object/Request/Session/Status` headers with @svta/cml-cmcd.
 *
 * Pure: no I/O. Never throws and never fails a request: CMCD is advisory client data, so anything
 * malformed (unparseable dictionary, wrong value type, absurd number) is simply left out.
 */
import { decodeCmcd } from '@svta/cml-cmcd';

/** CTA-5004 object types we record (`ot`). */
export const CMCD_OBJECT_TYPES = ['m', 'a', 'v', 'av', 'i', 'c', 'tt', 'k', 'o'] as const;
export type CmcdObjectType = (typeof CMCD_OBJECT_TYPES)[number];

/** The CMCD keys the ledger records. All optional: players send what they send. */
export interface CmcdFacts {
  /** Session id (`sid`), ≤ 64 chars. */
  readonly sid?: string;
  /** Content id (`cid`), ≤ 64 chars. */
  readonly cid?: string;
  /** Encoded bitrate of the object, kbps (`br`). */
  readonly br?: number;
  /** Buffer length, ms (`bl`). */
  readonly bl?: number;
  /** Measured throughput, kbps (`mtp`). */
  readonly mtp?: number;
  /** Object type (`ot`). */
  readonly ot?: CmcdObjectType;
  /** Startup / buffer empty (`su`). */
  readonly su?: boolean;
  /** Object duration, ms (`d`): lets the report count watched time from segments. */
  readonly d?: number;
}

/** CTA-5004 §3.3: string values are limited to 64 characters. */
const MAX_STRING = 64;
/** Far above any real bitrate, buffer or duration; keeps a hostile value out of sums. */
const MAX_NUMBER = 1e9;
const OBJECT_TYPES: ReadonlySet<string> = new Set(CMCD_OBJECT_TYPES);

/**
 * Reads CMCD from a URL or query string (`CMCD=` argument) and a request's headers (headers win
 * per key: they are the player's explicit choice of transmission mode). Returns `{}` when there
 * is none or it is malformed.
 *
 * @example
 *   parseCmcd('/a.ts?CMCD=br%3D3200%2Csid%3D%22abc%22', {}) // { br: 3200, sid: 'abc' }
 */
export function parseCmcd(urlOrQuery: string, headers: Readonly<Record<string, string>> = {}): CmcdFacts {
  return cmcdFactsFrom(decodeCmcdData(urlOrQuery, headers));
}

/**
 * Every decoded CMCD key (query argument and headers merged, headers winning), unvalidated: for
 * readers of keys the ledger does not keep, such as the shield's prefetch of `nor`.
 *
 * @example decodeCmcdData('?CMCD=nor%3D%22seg_2.ts%22', {}).nor // 'seg_2.ts'
 */
export function decodeCmcdData(
  urlOrQuery: string,
  headers: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const value = cmcdQueryValue(urlOrQuery);
  const fromQuery = value === undefined ? {} : safeDecode(() => decodeCmcd(value));
  // Each header is decoded on its own so one malformed header does not discard the others.
  const fromHeaders = cmcdHeaderValues(headers).map((v) => safeDecode(() => decodeCmcd(v)));
  return Object.assign({}, fromQuery, ...fromHeaders);
}

/** The decoded `CMCD` query argument (CTA-5004 §2.2: one URL-encoded argument), if present. */
function cmcdQueryValue(urlOrQuery: string): string | undefined {
  const match = /(?:^|[?&])CMCD=([^&#]*)/.exec(urlOrQuery);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1].replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

// CTA-5004 §2.1: the four CMCD header fields; names are case-insensitive (RFC 9110 §5.1).
const CMCD_HEADERS: ReadonlySet<string> = new Set([
  'cmcd-object',
  'cmcd-request',
  'cmcd-session',
  'cmcd-status',
]);

function cmcdHeaderValues(headers: Readonly<Record<string, string>>): string[] {
  return Object.entries(headers)
    .filter(([name]) => CMCD_HEADERS.has(name.toLowerCase()))
    .map(([, value]) => value);
}

function safeDecode(decode: () => unknown): Record<string, unknown> {
  try {
    const data = decode();
    return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  } catch {
    // The library throws on a malformed structured-field dictionary: malformed CMCD is ignored.
    return {};
  }
}

/**
 * Keeps only the recorded keys with well-typed values from decoded CMCD (or a stored record).
 *
 * @example cmcdFactsFrom({ br: 3200, ot: 'nope', x: 1 }) // { br: 3200 }
 */
export function cmcdFactsFrom(data: Readonly<Record<string, unknown>>): CmcdFacts {
  const out: {
    sid?: string;
    cid?: string;
    br?: number;
    bl?: number;
    mtp?: number;
    ot?: CmcdObjectType;
    su?: boolean;
    d?: number;
  } = {};
  const sid = str(data.sid);
  if (sid !== undefined) out.sid = sid;
  const cid = str(data.cid);
  if (cid !== undefined) out.cid = cid;
  const br = num(data.br);
  if (br !== undefined) out.br = br;
  const bl = num(data.bl);
  if (bl !== undefined) out.bl = bl;
  const mtp = num(data.mtp);
  if (mtp !== undefined) out.mtp = mtp;
  const d = num(data.d);
  if (d !== undefined) out.d = d;
  if (typeof data.ot === 'string' && OBJECT_TYPES.has(data.ot)) out.ot = data.ot as CmcdObjectType;
  if (data.su === true) out.su = true;
  return out;
}

function str(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > MAX_STRING) return undefined;
  return value;
}

function num(value: unknown): number | undefined {
  // CMCD v2 may send an inner list for br/bl/mtp (one per media type); the first is the main one.
  const n = Array.isArray(value) ? value[0] : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > MAX_NUMBER) return undefined;
  return n;
}
