/**
 * Sets `c.var.geo` from the platform's facts (request.cf in Workers, supplied by index.ts as a
 * `GetGeo` function) before auth, geo rules and manifest policy look at it. Decides nothing itself.
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeHonoEnv, ViewerGeo } from '../context.ts';

/** Runtime fact supplied by the adapter: where the platform says this request comes from. */
export type GetGeo = (request: Request) => ViewerGeo | undefined;

const COUNTRY = /^[A-Z][A-Z0-9]$/;

/**
 * Reads `request.cf` (country, regionCode, colo), falling back to the `CF-IPCountry` header that
 * Cloudflare sets in front of non-Worker origins. Anything malformed counts as unknown.
 *
 * @example geoFromCf(new Request('https://e/', { headers: { 'cf-ipcountry': 'DE' } })) // { country: 'DE' }
 */
export const geoFromCf: GetGeo = (request) => {
  const cf = (request as { cf?: { country?: unknown; regionCode?: unknown; colo?: unknown } }).cf;
  const raw = typeof cf?.country === 'string' ? cf.country : request.headers.get('cf-ipcountry');
  const country = raw?.toUpperCase();
  if (!country || !COUNTRY.test(country)) return undefined;
  const region = typeof cf?.regionCode === 'string' && cf.regionCode !== '' ? cf.regionCode : undefined;
  const colo = typeof cf?.colo === 'string' && cf.colo !== '' ? cf.colo : undefined;
  return { country, ...(region ? { region } : {}), ...(colo ? { colo } : {}) };
};

/**
 * DEV ONLY (DEV_TRUST_CLIENT_COUNTRY=on): like geoFromCf, but the client's `CF-IPCountry` header
 * wins over request.cf.country, so one local `wrangler dev` (one cf.json) can serve viewers from
 * many countries. Never in production: it lets the viewer choose its own country.
 *
 * @example geoFromClientHeader(new Request('https://e/', { headers: { 'cf-ipcountry': 'IN' } })) // { country: 'IN', … }
 */
export const geoFromClientHeader: GetGeo = (request) => {
  const fromCf = geoFromCf(request);
  const header = request.headers.get('cf-ipcountry')?.toUpperCase();
  if (!header || !COUNTRY.test(header)) return fromCf;
  // The cf region belongs to the cf country, not to the header's.
  return { country: header, ...(fromCf?.colo ? { colo: fromCf.colo } : {}) };
};

/** @example app.use(viewerGeo(geoFromCf)) */
export function viewerGeo(getGeo: GetGeo): MiddlewareHandler<EdgeHonoEnv> {
  return async function setViewerGeo(c, next) {
    c.set('geo', getGeo(c.req.raw));
    await next();
  };
}
