/**
 * IPv4/IPv6 address and CIDR matching for the token `ip` claim. Pure: no I/O.
 * Addresses are parsed to 128-bit bigints (IPv4 as ::ffff:a.b.c.d so v4-mapped v6 compares equal).
 */

/** Parsed address: 128-bit value plus whether it was written as IPv4. */
interface Addr {
  readonly value: bigint;
  readonly v4: boolean;
}

const V4_MAPPED = 0xffff00000000n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  const t = zone === -1 ? text : text.slice(0, zone);
  if (t.length > 45 || (t.match(/::/g)?.length ?? 0) > 1) return undefined;
  let tail = t;
  let v4Tail: bigint | undefined;
  const lastColon = t.lastIndexOf(':');
  if (t.includes('.')) {
    v4Tail = parseV4(t.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    tail = `${t.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = tail.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const hi = groups(head);
  const lo = rest === undefined ? [] : groups(rest);
  const missing = 8 - hi.length - lo.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  let v = 0n;
  for (const g of [...hi, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...lo]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(`0x${g}`);
  }
  return v4Tail === undefined ? v : (v & ~0xffffffffn) | v4Tail;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(text: string): Addr | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const v = parseV6(t.replace(/^\[|\]$/g, ''));
    return v === undefined ? undefined : { value: v, v4: false };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { value: V4_MAPPED | v, v4: true };
}

/**
 * Whether `address` is inside `cidrOrAddress` (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`).
 * A bad address or range never matches.
 *
 * @example ipInRange('2001:db8::1', '2001:db8::/32') // true
 */
export function ipInRange(address: string, cidrOrAddress: string): boolean {
  const ip = parseIp(address);
  const slash = cidrOrAddress.indexOf('/');
  const base = parseIp(slash === -1 ? cidrOrAddress : cidrOrAddress.slice(0, slash));
  if (!ip || !base) return false;
  const maxBits = base.v4 ? 32 : 128;
  const bitsText = slash === -1 ? String(maxBits) : cidrOrAddress.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) return false;
  // IPv4 prefixes live in the low 32 bits of the mapped form.
  const bits = BigInt(Number(bitsText) + (base.v4 ? 96 : 0));
  const mask = bits === 0n ? 0n : ((1n << 128n) - 1n) ^ ((1n << (128n - bits)) - 1n);
  return (ip.value & mask) === (base.value & mask);
}

/** True for a syntactically valid address or CIDR (config and signer validation). */
export function isIpOrCidr(text: string): boolean {
  return ipInRange(text.split('/')[0] ?? '', text);
}
