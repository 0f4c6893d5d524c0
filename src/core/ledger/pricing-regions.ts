/**
 * Country → pricing region: the geographic billing zones CDN price lists use (CloudFront's
 * "Regional Data Transfer Out to Internet" columns). Pure data plus one lookup.
 *
 * The ledger's `region` field is an ISO 3166-2 subdivision; report breakdowns "by region" use the
 * pricing region from this table, because that is what the money follows.
 */

export const PRICING_REGIONS = [
  'north-america',
  'europe',
  'middle-east-africa',
  'south-america',
  'japan',
  'australia',
  'asia-pacific',
  'india',
] as const;
export type PricingRegion = (typeof PRICING_REGIONS)[number];

/** Region for records with no (or an unknown) country: the shield→edge leg, `XX`, Tor `T1`. */
export const UNKNOWN_REGION = 'unknown';

// CloudFront groups: "United States, Mexico, and Canada"; "Europe, Israel, and Türkiye"; "South
// Africa, Kenya, Nigeria, and Middle East"; "South America"; "Japan"; "Australia and New Zealand";
// "Hong Kong, Indonesia, Philippines, Singapore, South Korea, Taiwan, Thailand, Malaysia, and
// Vietnam"; "India". Countries CloudFront does not list are placed in the nearest group (assumption).
const GROUPS: Readonly<Record<PricingRegion, string>> = {
  'north-america': 'US CA MX PR GU VI AS MP UM BM GT BZ SV HN NI CR PA CU DO HT JM TT BS BB',
  europe:
    'AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IL IM IS IT JE LI LT LU ' +
    'LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SK SM TR UA VA XK GL',
  'middle-east-africa':
    'ZA KE NG AE SA QA KW BH OM JO LB IQ IR SY YE PS EG MA DZ TN LY SD ET GH CI SN CM UG TZ RW AO MZ ' +
    'ZM ZW BW NA MU MG CD CG GA BJ TG BF ML NE TD MR GN SL LR GM GW CV ST GQ CF SS ER DJ SO KM SC LS ' +
    'SZ MW BI RE YT SH AZ GE AM',
  'south-america': 'AR BO BR CL CO EC FK GF GY PE PY SR UY VE',
  japan: 'JP',
  australia: 'AU NZ FJ PG NC PF SB VU WS TO KI NR TV MH FM PW CK NU NF',
  'asia-pacific': 'HK ID PH SG KR TW TH MY VN CN MO KH LA MM BN TL MN KP BD LK NP BT MV PK AF KZ UZ KG TJ TM',
  india: 'IN',
};

/** Frozen country code → pricing region, built once from GROUPS. */
export const COUNTRY_PRICING_REGION: Readonly<Record<string, PricingRegion>> = Object.freeze(
  Object.fromEntries(
    PRICING_REGIONS.flatMap((region) => GROUPS[region].split(' ').map((cc) => [cc, region] as const)),
  ),
);

/**
 * @example pricingRegionOf('DE') // 'europe'
 * @example pricingRegionOf(undefined) // 'unknown'
 */
export function pricingRegionOf(country: string | undefined): PricingRegion | typeof UNKNOWN_REGION {
  if (!country) return UNKNOWN_REGION;
  return COUNTRY_PRICING_REGION[country.toUpperCase()] ?? UNKNOWN_REGION;
}
