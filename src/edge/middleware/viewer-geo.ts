/**
 * Sets `c.var.geo` from the platform's facts (request.cf in Workers, supplied by index.ts as a
 * `GetGeo` function) before auth, geo rules and manifest policy look at it. Decides no access itself;
 * must never let a client choose its country outside a local (loopback) dev run.
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

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * True for a loopback hostname as the WHATWG URL parser leaves it: 127.0.0.0/8 (already normalised
 * from forms like `2130706433`), `[::1]` and `localhost`.
 *
 * @example isLoopbackHostname(new URL('http://127.0.0.1:8787/').hostname) // true
 */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || IPV4_LOOPBACK.test(host);
}

/** Logged once per GetGeo when DEV_TRUST_CLIENT_COUNTRY=on meets a non-loopback request. */
export type OnClientCountryIgnored = (hostname: string) => void;

const warnClientCountryIgnored: OnClientCountryIgnored = (hostname) =>
  console.warn(
    JSON.stringify({
      level: 'warn',
      event: 'dev-trust-client-country-ignored',
      key: 'DEV_TRUST_CLIENT_COUNTRY',
      reason: 'request hostname is not loopback',
      hostname,
    }),
  );

/**
 * DEV ONLY (DEV_TRUST_CLIENT_COUNTRY=on): like geoFromCf, but on a loopback request URL (127.0.0.0/8,
 * [::1], localhost) the client's `CF-IPCountry` header wins over request.cf.country, so one local
 * `wrangler dev` (one cf.json) can serve viewers from many countries. Any other hostname gets plain
 * geoFromCf and `onIgnored` runs once: a deployed Worker is reached by its zone's hostname, never a
 * loopback one, so a var left on in production cannot let viewers choose their country.
 *
 * @example const getGeo = createClientHeaderGeo(); getGeo(new Request('http://127.0.0.1/', { headers: { 'cf-ipcountry': 'IN' } }))
 */
export function createClientHeaderGeo(onIgnored: OnClientCountryIgnored = warnClientCountryIgnored): GetGeo {
  let warned = false;
  return function geoFromLocalClientHeader(request) {
    const fromCf = geoFromCf(request);
    const hostname = new URL(request.url).hostname;
    if (!isLoopbackHostname(hostname)) {
      if (!warned) {
        warned = true;
        onIgnored(hostname);
      }
      return fromCf;
    }
    const header = request.headers.get('cf-ipcountry')?.toUpperCase();
    if (!header || !COUNTRY.test(header)) return fromCf;
    // The cf region belongs to the cf country, not to the header's.
    return { country: header, ...(fromCf?.colo ? { colo: fromCf.colo } : {}) };
  };
}

/**
 * The GetGeo app.ts uses for DEV_TRUST_CLIENT_COUNTRY=on (one per isolate, so it warns once per isolate).
 *
 * @example geoFromClientHeader(new Request('http://localhost/', { headers: { 'cf-ipcountry': 'IN' } })) // { country: 'IN' }
 */
export const geoFromClientHeader: GetGeo = createClientHeaderGeo();

/** @example app.use(viewerGeo(geoFromCf)) */
export function viewerGeo(getGeo: GetGeo): MiddlewareHandler<EdgeHonoEnv> {
  return async function setViewerGeo(c, next) {
    c.set('geo', getGeo(c.req.raw));
    await next();
  };
}
