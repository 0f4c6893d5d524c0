/**
 * Price tables: per pricing region, per-GB rates in volume tiers (CDN price lists), as data.
 * Validates untrusted tables (a `--prices FILE`) into a typed, frozen table or a list of issues
 * naming the key path, the expectation and what was found.
 *
 * Pure: no I/O. Never throws on bad input.
 */
import { err, ok, type Result } from '../result.ts';

/** One volume tier: `perGB` applies to the GB above the previous tier's `upToGB`, up to this one. */
export interface PriceTier {
  /** Cumulative GB at which this tier ends; `null` for the last, unbounded tier. */
  readonly upToGB: number | null;
  readonly perGB: number;
}

export interface PriceTable {
  readonly name: string;
  /** ISO 4217, e.g. USD. */
  readonly currency: string;
  /** Bytes in one billed GB: 1073741824 (AWS bills GiB) or 1000000000. */
  readonly bytesPerGB: number;
  /** Pricing region (see pricing-regions.ts) → tiers, in ascending `upToGB`, last one unbounded. */
  readonly regions: Readonly<Record<string, readonly PriceTier[]>>;
  /** Region whose rates apply to bytes in a region the table does not list (incl. `unknown`). */
  readonly fallbackRegion: string;
  /** Where the numbers come from; shown in reports. */
  readonly source?: string;
  /**
   * Request fees: price per 10,000 requests per pricing region (as CDN price lists quote them);
   * regions not listed pay the `fallbackRegion` fee, or none when that has no fee. Optional.
   */
  readonly requestFeePer10k?: Readonly<Record<string, number>>;
}

export interface PriceTableIssue {
  /** Key path, e.g. `regions.india[2].perGB`. */
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}

/** `regions.india[2].perGB: expected a non-negative number, got "x"` */
export function formatPriceTableIssue(issue: PriceTableIssue): string {
  return `${issue.path}: expected ${issue.expected}, got ${issue.found}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @example
 *   const r = validatePriceTable(JSON.parse(text));
 *   if (!r.ok) console.error(r.error.map(formatPriceTableIssue).join('\n'));
 */
export function validatePriceTable(input: unknown): Result<PriceTable, readonly PriceTableIssue[]> {
  const issues: PriceTableIssue[] = [];
  const add = (path: string, expected: string, found: unknown) =>
    issues.push({ path, expected, found: show(found) });
  if (!isRecord(input)) {
    add('(root)', 'an object with name, currency, bytesPerGB, regions, fallbackRegion', input);
    return err(issues);
  }
  const { name, currency, bytesPerGB, regions, fallbackRegion, source, requestFeePer10k } = input;
  if (typeof name !== 'string' || name.trim() === '') add('name', 'a non-empty string', name);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    add('currency', 'an ISO 4217 code like "USD"', currency);
  }
  if (typeof bytesPerGB !== 'number' || !Number.isSafeInteger(bytesPerGB) || bytesPerGB <= 0) {
    add('bytesPerGB', 'a positive integer (1073741824 or 1000000000)', bytesPerGB);
  }
  if (source !== undefined && typeof source !== 'string') add('source', 'a string', source);
  const outRegions: Record<string, readonly PriceTier[]> = {};
  if (!isRecord(regions) || Object.keys(regions).length === 0) {
    add('regions', 'an object of region name → tier list', regions);
  } else {
    for (const [region, tiers] of Object.entries(regions)) {
      const parsed = validateTiers(`regions.${region}`, tiers, add);
      if (parsed) outRegions[region] = parsed;
    }
  }
  if (typeof fallbackRegion !== 'string' || !(isRecord(regions) && fallbackRegion in regions)) {
    add('fallbackRegion', 'the name of one of the regions', fallbackRegion);
  }
  const fees: Record<string, number> = {};
  if (requestFeePer10k !== undefined && !isRecord(requestFeePer10k)) {
    add('requestFeePer10k', 'an object of region name → price per 10,000 requests', requestFeePer10k);
  } else if (requestFeePer10k !== undefined) {
    for (const [region, fee] of Object.entries(requestFeePer10k)) {
      if (typeof fee !== 'number' || !Number.isFinite(fee) || fee < 0)
        add(`requestFeePer10k.${region}`, 'a non-negative number', fee);
      else fees[region] = fee;
    }
  }
  if (issues.length > 0) return err(issues);
  return ok(
    Object.freeze({
      name: String(name),
      currency: String(currency),
      bytesPerGB: Number(bytesPerGB),
      regions: Object.freeze(outRegions),
      fallbackRegion: String(fallbackRegion),
      ...(typeof source === 'string' ? { source } : {}),
      ...(requestFeePer10k !== undefined ? { requestFeePer10k: Object.freeze(fees) } : {}),
    }),
  );
}

function validateTiers(
  path: string,
  tiers: unknown,
  add: (path: string, expected: string, found: unknown) => void,
): readonly PriceTier[] | undefined {
  if (!Array.isArray(tiers) || tiers.length === 0) {
    add(path, 'a non-empty list of { upToGB, perGB } tiers', tiers);
    return undefined;
  }
  const out: PriceTier[] = [];
  let previous = 0;
  let bad = false;
  for (const [i, tier] of tiers.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(tier)) {
      add(at, 'an object { upToGB, perGB }', tier);
      bad = true;
      continue;
    }
    const last = i === tiers.length - 1;
    const { upToGB, perGB } = tier;
    if (typeof perGB !== 'number' || !Number.isFinite(perGB) || perGB < 0) {
      add(`${at}.perGB`, 'a non-negative number', perGB);
      bad = true;
    }
    if (last && upToGB !== null) {
      add(`${at}.upToGB`, 'null (the last tier is unbounded)', upToGB);
      bad = true;
    } else if (!last && (typeof upToGB !== 'number' || !Number.isFinite(upToGB) || upToGB <= previous)) {
      add(`${at}.upToGB`, `a number greater than ${previous} (tiers ascend)`, upToGB);
      bad = true;
    }
    if (typeof upToGB === 'number') previous = upToGB;
    out.push({ upToGB: typeof upToGB === 'number' ? upToGB : null, perGB: Number(perGB) });
  }
  return bad ? undefined : Object.freeze(out);
}
