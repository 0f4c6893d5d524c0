/**
 * Egress cost from bytes by country, priced with the finance ledger's tables (src/core/ledger):
 * the same country → pricing region map, tiers and billed-GB size the finance CLI uses, so a bench
 * cost and a ledger report of the same bytes agree. Pure. Must not carry price data of its own.
 */
import type { PriceTable } from '../../src/core/ledger/price-table.ts';
import { priceBytes, tableRegionOf } from '../../src/core/ledger/pricing.ts';

export type { PriceTable } from '../../src/core/ledger/price-table.ts';
export { CLOUDFRONT_ON_DEMAND } from '../../src/core/ledger/prices/cloudfront-on-demand.ts';

export interface RegionCost {
  readonly region: string;
  readonly bytes: number;
  /** Effective rate of this volume (the first tier's rate for bench-sized runs). */
  readonly usdPerGb: number;
  readonly usd: number;
}

/** Pricing region of a country under `table` (unlisted and unknown countries → its fallback). */
export function pricingRegion(table: PriceTable, country: string): string {
  return tableRegionOf(table, country);
}

/**
 * Cost per pricing region of `bytesByCountry` (one month's usage from zero), most expensive first.
 *
 * @example costByRegion(CLOUDFRONT_ON_DEMAND, { US: 2 ** 30 }) // [{ region: 'north-america', usd: 0.085, … }]
 */
export function costByRegion(
  table: PriceTable,
  bytesByCountry: Readonly<Record<string, number>>,
): RegionCost[] {
  const bytes = new Map<string, number>();
  for (const [country, b] of Object.entries(bytesByCountry)) {
    const region = pricingRegion(table, country);
    bytes.set(region, (bytes.get(region) ?? 0) + b);
  }
  return [...bytes.entries()]
    .map(([region, b]) => {
      const usd = priceBytes(table, region, b);
      return { region, bytes: b, usdPerGb: b > 0 ? usd / (b / table.bytesPerGB) : 0, usd };
    })
    .sort((x, y) => y.usd - x.usd);
}
