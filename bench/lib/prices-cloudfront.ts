/**
 * Price table data: Amazon CloudFront on-demand data transfer out to the internet, first 10 TB per
 * month, USD per GB, by CloudFront pricing region, plus which countries fall in which region.
 * Data only — the finance work (src/core/ledger) can replace this module with its pluggable tables;
 * keep the shape (`PriceTable`) so bench/lib/cost.ts needs no change.
 */

/** USD per GB (10^9 bytes) by pricing region, and country (ISO 3166-1 alpha-2) → region. */
export interface PriceTable {
  readonly name: string;
  readonly currency: 'USD';
  readonly perGb: Readonly<Record<string, number>>;
  readonly countryRegion: Readonly<Record<string, string>>;
  /** Region for countries not listed. */
  readonly defaultRegion: string;
}

/** CloudFront on-demand, first 10 TB/month tier. */
export const CLOUDFRONT_ON_DEMAND: PriceTable = {
  name: 'CloudFront on-demand, first 10 TB/month',
  currency: 'USD',
  perGb: {
    'north-america': 0.085,
    europe: 0.085,
    'south-america': 0.11,
    japan: 0.114,
    australia: 0.114,
    'asia-pacific': 0.12,
    india: 0.109,
  },
  countryRegion: {
    US: 'north-america',
    CA: 'north-america',
    MX: 'north-america',
    DE: 'europe',
    FR: 'europe',
    GB: 'europe',
    NL: 'europe',
    ES: 'europe',
    IT: 'europe',
    SE: 'europe',
    PL: 'europe',
    IE: 'europe',
    BR: 'south-america',
    AR: 'south-america',
    CL: 'south-america',
    CO: 'south-america',
    JP: 'japan',
    AU: 'australia',
    NZ: 'australia',
    SG: 'asia-pacific',
    HK: 'asia-pacific',
    KR: 'asia-pacific',
    TW: 'asia-pacific',
    ID: 'asia-pacific',
    PH: 'asia-pacific',
    TH: 'asia-pacific',
    IN: 'india',
  },
  defaultRegion: 'north-america',
};
