/**
 * Tiered pricing: what a volume of bytes costs in one pricing region under a price table.
 *
 * Pure: no I/O. Tiers are cumulative per region per billing month (CloudFront: "usage tiers for
 * data transfer are measured separately for each geographic region"); callers group bytes by
 * month and region first (aggregate.ts does).
 */
import type { PriceTable, PriceTier } from './price-table.ts';
import { pricingRegionOf } from './pricing-regions.ts';

/**
 * Cost of `gb` GB billed through `tiers` from zero.
 *
 * @example tieredCost([{ upToGB: 10, perGB: 1 }, { upToGB: null, perGB: 0.5 }], 12) // 11
 */
export function tieredCost(tiers: readonly PriceTier[], gb: number): number {
  let cost = 0;
  let floor = 0;
  for (const tier of tiers) {
    if (gb <= floor) break;
    const ceiling = tier.upToGB ?? Number.POSITIVE_INFINITY;
    cost += (Math.min(gb, ceiling) - floor) * tier.perGB;
    floor = ceiling;
  }
  return cost;
}

/** The table region whose rates apply to a viewer country (fallback for unlisted/unknown). */
export function tableRegionOf(table: PriceTable, country: string | undefined): string {
  const region = pricingRegionOf(country);
  return region in table.regions ? region : table.fallbackRegion;
}

/**
 * Cost of `bytes` in `region` of `table`, as one month's usage from zero.
 *
 * @example priceBytes(cloudFrontOnDemand, 'india', 2 ** 30) // 0.109
 */
export function priceBytes(table: PriceTable, region: string, bytes: number): number {
  const tiers = table.regions[region] ?? table.regions[table.fallbackRegion] ?? [];
  return tieredCost(tiers, bytes / table.bytesPerGB);
}

/** UTC billing month of a timestamp: `2026-10`. */
export function billingMonthOf(ts: number): string {
  return new Date(ts).toISOString().slice(0, 7);
}
