/**
 * ISO 3166-1 alpha-2 officially assigned codes (plus XK, Kosovo, which Cloudflare reports), for
 * config validation: `UK` is a common mistake for `GB`. Pure. The codes are the keys of the continent
 * table (hls/continents.ts), which places every one of them: one list of 250 codes in the Worker
 * bundle, not two (test/unit/geo/countries.test.ts pins both).
 */
import { continentOf } from '../hls/continents.ts';

/** @example isIsoCountry('GB') // true; isIsoCountry('UK') // false */
export function isIsoCountry(code: string): boolean {
  // continentOf ignores case; config codes must be capitals.
  return /^[A-Z]{2}$/.test(code) && continentOf(code) !== undefined;
}

/** ISO 3166-2 subdivision: country code, hyphen, 1–3 alphanumerics (`US-CA`, `GB-ENG`, `FR-75C`). */
export function isIsoSubdivision(code: string): boolean {
  const m = /^([A-Z]{2})-[A-Z0-9]{1,3}$/.exec(code);
  return m?.[1] !== undefined && isIsoCountry(m[1]);
}
