/**
 * Preset price table: Amazon CloudFront on-demand "Regional Data Transfer Out to Internet (per
 * GB)", all seven volume tiers per region, as published on aws.amazon.com/cloudfront/pricing
 * (read while writing this file; check the page before quoting a number to a customer).
 * Excludes the free tier, request fees and commitment discounts. Data only.
 */
import type { PriceTable, PriceTier } from '../price-table.ts';

const TB = 1024;
// "First 10TB, Next 40TB, Next 100TB, Next 350TB, Next 524TB, Next 4PB, Over 5PB" as cumulative GB.
const BOUNDS = [10 * TB, 50 * TB, 150 * TB, 500 * TB, 1024 * TB, 5120 * TB, null] as const;

function tiers(...perGB: readonly number[]): readonly PriceTier[] {
  return BOUNDS.map((upToGB, i) => ({ upToGB, perGB: perGB[i] ?? 0 }));
}

/** @example priceBytes(CLOUDFRONT_ON_DEMAND, 'europe', 2 ** 30) // 0.085 */
export const CLOUDFRONT_ON_DEMAND: PriceTable = {
  name: 'cloudfront-on-demand',
  currency: 'USD',
  // AWS bills data transfer in GB of 2^30 bytes.
  bytesPerGB: 1_073_741_824,
  source: 'aws.amazon.com/cloudfront/pricing, on-demand data transfer out to internet',
  fallbackRegion: 'north-america',
  regions: {
    'north-america': tiers(0.085, 0.08, 0.06, 0.04, 0.03, 0.025, 0.02),
    europe: tiers(0.085, 0.08, 0.06, 0.04, 0.03, 0.025, 0.02),
    'middle-east-africa': tiers(0.11, 0.105, 0.09, 0.08, 0.06, 0.05, 0.04),
    'south-america': tiers(0.11, 0.105, 0.09, 0.08, 0.06, 0.05, 0.04),
    japan: tiers(0.114, 0.089, 0.086, 0.084, 0.08, 0.07, 0.06),
    australia: tiers(0.114, 0.098, 0.094, 0.092, 0.09, 0.085, 0.08),
    'asia-pacific': tiers(0.12, 0.1, 0.095, 0.09, 0.08, 0.07, 0.06),
    india: tiers(0.109, 0.085, 0.082, 0.08, 0.078, 0.075, 0.072),
  },
};
