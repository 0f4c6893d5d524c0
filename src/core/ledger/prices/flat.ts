/**
 * Preset price table: one flat rate everywhere ($0.01 per decimal GB), for blended contracts and
 * for reports where only relative cost matters. Data only.
 */
import type { PriceTable } from '../price-table.ts';

/** @example priceBytes(FLAT, 'anything', 1e9) // 0.01 */
export const FLAT: PriceTable = {
  name: 'flat',
  currency: 'USD',
  bytesPerGB: 1_000_000_000,
  source: 'flat blended rate (edit or pass --prices FILE for your contract)',
  fallbackRegion: 'all',
  regions: { all: [{ upToGB: null, perGB: 0.01 }] },
};
