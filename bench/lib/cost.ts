/**
 * Egress cost from bytes by country with a PriceTable. Pure. Bytes are decimal GB (10^9), as CDN
 * invoices count them.
 */
import type { PriceTable } from './prices-cloudfront.ts';

export interface RegionCost {
  readonly region: string;
  readonly bytes: number;
  readonly usdPerGb: number;
  readonly usd: number;
}

/** Pricing region of a country under `table` (unknown countries → the table's default). */
export function pricingRegion(table: PriceTable, country: string): string {
  return table.countryRegion[country.toUpperCase()] ?? table.defaultRegion;
}

/**
 * Cost per pricing region of `bytesByCountry`, most expensive first.
 *
 * @example costByRegion(CLOUDFRONT_ON_DEMAND, { US: 1e9 }) // [{ region: 'north-america', usd: 0.085, … }]
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
      const usdPerGb = table.perGb[region] ?? 0;
      return { region, bytes: b, usdPerGb, usd: (b / 1e9) * usdPerGb };
    })
    .sort((x, y) => y.usd - x.usd);
}
