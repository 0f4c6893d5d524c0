/** Built-in price table presets by name (`--prices NAME`). Data only. */
import type { PriceTable } from '../price-table.ts';
import { CLOUDFRONT_ON_DEMAND } from './cloudfront-on-demand.ts';
import { FLAT } from './flat.ts';

export const PRICE_PRESETS: Readonly<Record<string, PriceTable>> = {
  'cloudfront-on-demand': CLOUDFRONT_ON_DEMAND,
  flat: FLAT,
};

export const DEFAULT_PRICE_PRESET = 'cloudfront-on-demand';
