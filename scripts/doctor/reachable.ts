/**
 * Whether a host name can be reached from Cloudflare's network: loopback, private, link-local and
 * `localhost`/`.local` names only exist on the operator's own machine or LAN, so a deployed edge
 * pointed at them fails every shield request. Pure; no DNS lookups (a public name that resolves to
 * a private address is not caught).
 */

const PRIVATE_V4: readonly (readonly [number, number, number])[] = [
  // [first octet, second octet low, second octet high]
  [0, 0, 255], // "this network"
  [10, 0, 255], // RFC 1918
  [100, 64, 127], // RFC 6598 carrier-grade NAT
  [127, 0, 255], // loopback
  [169, 254, 254], // link-local
  [172, 16, 31], // RFC 1918
  [192, 168, 168], // RFC 1918
];

/**
 * @example isLocalOnlyHost('127.0.0.1') // true
 * @example isLocalOnlyHost('shield-eu.example.com') // false
 */
export function isLocalOnlyHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return PRIVATE_V4.some(([first, lo, hi]) => a === first && b >= lo && b <= hi);
  }
  if (host.includes(':')) {
    // ::1 loopback, :: unspecified, fc00::/7 unique local, fe80::/10 link-local, ::ffff:a.b.c.d mapped.
    if (host === '::1' || host === '::') return true;
    if (/^f[cd][0-9a-f]{0,2}:/.test(host) || /^fe[89ab][0-9a-f]?:/.test(host)) return true;
    // WHATWG URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (!mapped) return false;
    const high = Number.parseInt(mapped[1] ?? '', 16);
    const low = Number.parseInt(mapped[2] ?? '', 16);
    return isLocalOnlyHost(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return false;
}
