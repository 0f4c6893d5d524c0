/**
 * Token adversary: random and mutated tokens per format, and targeted forgeries (alg none and
 * confusion, embedded keys, kid tricks, claim tampering, signature malleability, non-canonical
 * encodings, reordered and repeated fields). A token counts as accepted when its verifier and the
 * common claim rules (exp, nbf, acl, ip) both pass it. Pure apart from Web Crypto; seeded.
 */
import { createRandom, type Random } from '../../bench/lib/prng.ts';
import { fromBase64Any, toBase64Url, utf8 } from '../../src/core/auth/bytes.ts';
import { checkClaims } from '../../src/core/auth/claims.ts';
import { createCloudFrontVerifier, signCloudFront } from '../../src/core/auth/cloudfront.ts';
import { generateCloudFrontKeyPair } from '../../src/core/auth/cloudfront-keys.ts';
import { createEdgeAuthVerifier, signEdgeAuth } from '../../src/core/auth/edgeauth.ts';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { md5 } from '../../src/core/auth/md5.ts';
import { buildFields, parseFields } from '../../src/core/auth/query-string.ts';
import { createSecureLinkVerifier, signSecureLink } from '../../src/core/auth/secure-link.ts';
import type { TokenRequest, TokenVerifier } from '../../src/core/auth/types.ts';
import { createJwtVerifier } from '../../src/edge/auth/jwt-verifier.ts';
import { makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import type { Row } from './report.ts';

const NOW = 1_800_000_000;
export const TOKEN_REQUEST: TokenRequest = {
  path: '/vod/ts/a.ts',
  url: 'https://e.example/vod/ts/a.ts',
  clientIp: '198.51.100.4',
  now: NOW,
};
const SKEW_S = 30;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~=&%+/!*:"{}[] \u0000é😀';

export interface FuzzTarget {
  readonly format: 'jwt' | 'edgeauth' | 'securelink' | 'cloudfront';
  readonly verifier: TokenVerifier;
  /** A token the verifier accepts for TOKEN_REQUEST. */
  readonly valid: string;
}

interface Keys {
  readonly es: TestKeyPair;
  readonly attacker: TestKeyPair;
  readonly targets: readonly FuzzTarget[];
  readonly cfPrivatePem: string;
}

/** One verifier per format with keys made now, and a valid token for each. */
export async function tokenTargets(): Promise<Keys> {
  const es = await makeKey('ES256', 'f');
  const attacker = await makeKey('ES256', 'f');
  const eaKey = '0f'.repeat(16);
  const cf = await generateCloudFrontKeyPair(crypto.subtle, 1024);
  const targets: FuzzTarget[] = [
    {
      format: 'jwt',
      verifier: createJwtVerifier({
        jwks: { keys: [es.publicJwk] },
        algorithms: ['ES256'],
        refreshS: 30,
        cacheMaxAgeS: 600,
      }),
      valid: await signJwt(crypto.subtle, es.signing, { exp: NOW + 60, acl: ['/vod/'] }),
    },
    {
      format: 'edgeauth',
      verifier: createEdgeAuthVerifier({ key: eaKey, subtle: crypto.subtle }),
      valid: await signEdgeAuth(crypto.subtle, { key: eaKey, exp: NOW + 60, acl: ['/vod/*'] }),
    },
    {
      format: 'securelink',
      verifier: createSecureLinkVerifier({ secret: 'fuzz-secret', md5 }),
      valid: signSecureLink({
        secret: 'fuzz-secret',
        path: TOKEN_REQUEST.path,
        exp: NOW + 60,
        remoteAddr: TOKEN_REQUEST.clientIp ?? '',
      }),
    },
    {
      format: 'cloudfront',
      verifier: createCloudFrontVerifier({ keys: { KF: cf.publicPem }, subtle: crypto.subtle }),
      valid: await signCloudFront(crypto.subtle, {
        keyPairId: 'KF',
        privateKeyPem: cf.privatePem,
        resource: 'https://e.example/vod/*',
        exp: NOW + 60,
      }),
    },
  ];
  return { es, attacker, targets, cfPrivatePem: cf.privatePem };
}

/** Random strings, then `valid` with flipped, inserted, deleted and truncated characters. */
export function* mutatedTokens(valid: string, rand: Random, rounds: number): Generator<string> {
  const pick = () => ALPHABET[Math.floor(rand() * ALPHABET.length)] ?? 'a';
  for (let i = 0; i < rounds; i++) {
    const mode = i % 5;
    if (mode === 0) {
      const len = Math.floor(rand() ** 3 * 12_000);
      yield Array.from({ length: Math.min(len, 400) }, pick)
        .join('')
        .repeat(Math.max(1, Math.floor(len / 400)));
      continue;
    }
    const chars = [...valid];
    const at = Math.floor(rand() * chars.length);
    if (mode === 1) chars[at] = pick();
    else if (mode === 2) chars.splice(at, 0, pick());
    else if (mode === 3) chars.splice(at, 1);
    else chars.length = at;
    const mutated = chars.join('');
    if (mutated !== valid) yield mutated;
  }
}

/** Whether `token` would open TOKEN_REQUEST: verified and within its claims. A throw is a refusal. */
export async function accepted(
  verifier: TokenVerifier,
  token: string,
  request = TOKEN_REQUEST,
): Promise<boolean> {
  try {
    const verified = await verifier.verify(token, request);
    return verified.ok && checkClaims(verified.value, request, SKEW_S).ok;
  } catch {
    return false;
  }
}

/** Rows "tokens fuzzed: <format>": `rounds` mutations of each format's valid token. */
export async function fuzzTokens(seed: number, rounds: number): Promise<Row[]> {
  const { targets } = await tokenTargets();
  const rows: Row[] = [];
  for (const t of targets) {
    // Control: the unmutated token opens the request, so a refusal below means something.
    if (!(await accepted(t.verifier, t.valid)))
      throw new Error(`token fuzz: the valid ${t.format} token was refused`);
    const rand = createRandom(seed ^ t.format.length);
    let tried = 0;
    let bad = 0;
    for (const token of mutatedTokens(t.valid, rand, rounds)) {
      tried++;
      if (await accepted(t.verifier, token)) bad++;
    }
    rows.push({ category: `tokens fuzzed: ${t.format}`, tried, badLabel: 'accepted', bad });
  }
  return rows;
}

const b64json = (value: unknown) => toBase64Url(utf8(JSON.stringify(value)));
const segments = (jwt: string) => jwt.split('.') as [string, string, string];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every other spelling of a segment's last character with the same decoded bytes. */
function strayBitSpellings(segment: string): string[] {
  const last = B64URL.indexOf(segment.at(-1) ?? 'A');
  const unused = (segment.length * 6) % 8;
  const mask = (1 << unused) - 1;
  return Array.from({ length: mask }, (_, i) => `${segment.slice(0, -1)}${B64URL[(last & ~mask) | (i + 1)]}`);
}

/** Forged JWTs against the ES256 verifier: each must be refused. */
async function jwtForgeries(keys: Keys, rand: Random): Promise<string[]> {
  const claims = { exp: NOW + 60, acl: ['/vod/'] };
  const base = await signJwt(crypto.subtle, keys.es.signing, claims);
  const [h, p, s] = segments(base);
  const sig = fromBase64Any(s) ?? new Uint8Array();
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const sBig = BigInt(`0x${[...sig.subarray(32)].map((b) => b.toString(16).padStart(2, '0')).join('')}`);
  const highS = new Uint8Array(sig);
  highS.set(
    Uint8Array.from((n - sBig).toString(16).padStart(64, '0').match(/../g) ?? [], (x) =>
      Number.parseInt(x, 16),
    ),
    32,
  );
  const out: string[] = [];
  const header = (extra: Record<string, unknown>) =>
    b64json({ alg: 'ES256', typ: 'JWT', kid: 'f', ...extra });
  for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS256', 'ES384', 'RS256', 'EdDSA', 'PS256', ''])
    out.push(
      `${b64json({ alg, typ: 'JWT', kid: 'f' })}.${p}.`,
      `${b64json({ alg, typ: 'JWT', kid: 'f' })}.${p}.${s}`,
    );
  // Algorithm confusion: HS256 keyed with the public key in every spelling an attacker might guess.
  const pub = keys.es.publicJwk;
  for (const secret of [
    JSON.stringify(pub),
    String(pub.x),
    String(pub.y),
    `${String(pub.x)}${String(pub.y)}`,
  ]) {
    const jwk = { kty: 'oct', k: toBase64Url(utf8(secret)) };
    out.push(await signJwt(crypto.subtle, { alg: 'HS256', kid: 'f', jwk }, claims));
  }
  // Someone else's key, announced through the header (embedded jwk, jku, x5u, kid paths).
  const mine = (extra: Record<string, unknown>) =>
    signJwt(crypto.subtle, { ...keys.attacker.signing, kid: String(extra.kid ?? 'f') }, claims).then((t) => {
      const [, pp, ss] = segments(t);
      return `${header(extra)}.${pp}.${ss}`;
    });
  out.push(await signJwt(crypto.subtle, keys.attacker.signing, claims));
  for (const extra of [
    { jwk: keys.attacker.publicJwk },
    { jku: 'https://evil.example/jwks.json' },
    { x5u: 'https://evil.example/cert.pem' },
    { kid: '../../../../dev/null' },
    { kid: "f' OR '1'='1" },
    { kid: 'f\u0000' },
    { kid: '' },
    { crit: ['b64'], b64: false },
  ])
    out.push(await mine(extra));
  // Claims changed under the original signature.
  for (const tampered of [
    { exp: NOW + 86_400, acl: ['/vod/'] },
    { exp: NOW + 60, acl: ['/'] },
    { exp: NOW + 60, acl: ['*'] },
    { exp: NOW + 60 },
    { exp: NOW + 60, acl: ['/vod/'], ip: '0.0.0.0/0' },
  ])
    out.push(`${h}.${b64json(tampered)}.${s}`);
  // Signature malleability and framing.
  out.push(`${h}.${p}.${toBase64Url(highS)}`);
  for (const seg of [h, p, s]) {
    for (const spelled of strayBitSpellings(seg)) out.push(base.replace(seg, spelled));
  }
  out.push(
    `${h}.${p}.${s}=`,
    `${h}.${p}.${s}==`,
    `${h}.${p}.`,
    `${h}.${p}`,
    `${base}.`,
    `${base}.${s}`,
    ` ${base}`,
    `${base} `,
    `${h}.${p}.${s.slice(0, -4)}`,
    `${h}.${p}.${s}AAAA`,
    `${h}.${p}.${toBase64Url(new Uint8Array(64))}`,
    `${h}.${p}.${toBase64Url(new Uint8Array([...sig.subarray(32), ...sig.subarray(0, 32)]))}`,
    `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`,
    `${h}=.${p}.${s}`,
    `${h.toLowerCase()}.${p}.${s}`,
  );
  // Expired, not yet valid, wrong path and wrong address, validly signed.
  for (const c of [
    { exp: NOW - SKEW_S - 1, acl: ['/vod/'] },
    { exp: NOW + 600, nbf: NOW + SKEW_S + 60, acl: ['/vod/'] },
    { exp: NOW + 600, iat: NOW + SKEW_S + 60, acl: ['/vod/'] },
    { exp: NOW + 600, acl: ['/live/'] },
    { exp: NOW + 600, acl: ['/vo'] },
    { exp: NOW + 600, acl: ['/vod/ts/a.ts/'] },
    { exp: NOW + 600, acl: ['/vod/'], ip: '203.0.113.0/24' },
    { exp: NOW + 600, acl: ['/vod/'], ip: '::ffff:198.51.100.5' },
    { acl: ['/vod/'] },
    { exp: `${NOW + 600}`, acl: ['/vod/'] },
  ])
    out.push(await signJwt(crypto.subtle, keys.es.signing, c));
  // Random splices of two valid tokens' segments (header of one, payload of another, …).
  const other = await signJwt(crypto.subtle, keys.es.signing, { exp: NOW + 60, acl: ['/live/'] });
  const [oh, op, os] = segments(other);
  for (let i = 0; i < 8; i++) {
    const pick = (a: string, b: string) => (rand() < 0.5 ? a : b);
    const t = `${pick(h, oh)}.${op}.${pick(s, os)}`;
    if (t !== other) out.push(t);
  }
  return out;
}

/** Forged multi-field tokens (CloudFront, secure_link, EdgeAuth) against their verifiers. */
async function fieldForgeries(keys: Keys): Promise<Map<FuzzTarget['format'], string[]>> {
  const out = new Map<FuzzTarget['format'], string[]>();
  const byFormat = (f: FuzzTarget['format']) => keys.targets.find((t) => t.format === f)?.valid ?? '';
  const permutations = (fields: readonly (readonly [string, string])[]) =>
    fields.flatMap((a, i) =>
      fields.filter((_, j) => j !== i).map((b) => [b, a, ...fields.filter((c) => c !== a && c !== b)]),
    );
  const variants = (valid: string, extra: readonly (readonly [string, string])[]) => {
    const f = [...(parseFields(valid) ?? [])];
    const list = [
      ...permutations(f).map((p) => buildFields(p)),
      ...f.map((pair) => buildFields([...f, pair])),
      ...f.map((pair) => buildFields([pair, ...f])),
      ...extra.map((pair) => buildFields([...f, pair])),
      ...f.map((_, i) => buildFields(f.filter((__, j) => j !== i))),
      `${valid}&`,
      `&${valid}`,
      valid.replace(/&/g, '&&'),
      valid.replace(/=/, '%3D'),
    ];
    return list.filter((t) => t !== valid);
  };
  const cf = byFormat('cloudfront');
  const cfFields = parseFields(cf) ?? new Map<string, string>();
  const cfSig = cfFields.get('Signature') ?? '';
  out.set('cloudfront', [
    ...variants(cf, [
      ['Expires', String(NOW + 60)],
      ['Key-Pair-Id', 'KOTHER'],
    ]),
    cf.replace(cfSig, cfSig.replace(/-/g, '+').replace(/~/g, '/').replace(/_/g, '=')),
    cf.replace(cfSig, cfSig.replace(/_+$/, '')),
    cf.replace(/Policy=[^&]+/, `Policy=${(cfFields.get('Policy') ?? '').replace(/_+$/, '')}`),
    await signCloudFront(crypto.subtle, {
      keyPairId: 'KF',
      privateKeyPem: keys.cfPrivatePem,
      resource: 'https://e.example/live/*',
      exp: NOW + 60,
    }),
    await signCloudFront(crypto.subtle, {
      keyPairId: 'KF',
      privateKeyPem: keys.cfPrivatePem,
      resource: 'https://e.example/vod/*',
      exp: NOW - SKEW_S - 1,
    }),
  ]);
  const sl = byFormat('securelink');
  const md5 = parseFields(sl)?.get('md5') ?? '';
  out.set('securelink', [
    ...variants(sl, [['expires', String(NOW + 9999)]]),
    sl.replace(md5, `${md5}==`),
    sl.replace(md5, md5.replace(/-/g, '+').replace(/_/g, '/')),
    ...strayBitSpellings(md5).map((m) => sl.replace(md5, m)),
    sl.replace(/expires=(\d+)/, 'expires=0$1'),
    sl.replace(/expires=(\d+)/, 'expires=$1 '),
    sl.replace(/expires=(\d+)/, 'expires=+$1'),
  ]);
  const ea = byFormat('edgeauth');
  const eaParts = ea.split('~');
  out.set('edgeauth', [
    ...permutations(eaParts.map((x) => [x, ''] as const))
      .map((p) => p.map(([x]) => x).join('~'))
      .filter((t) => t !== ea),
    ea.replace(/hmac=([0-9a-f]+)/, (_, hex: string) => `hmac=${hex.toUpperCase()}`),
    ea.replace('exp=', 'exp=0'),
    ea.replace('acl=', 'acl=/*!'),
    `ip=198.51.100.4~${ea}`,
    `${ea}~`,
    `~${ea}`,
    ea.replace('~hmac', '~~hmac'),
  ]);
  return out;
}

/** Row "targeted forgeries": every forgery against the verifier of its format. */
export async function targetedForgeries(seed: number): Promise<Row> {
  const keys = await tokenTargets();
  for (const t of keys.targets)
    if (!(await accepted(t.verifier, t.valid)))
      throw new Error(`forgeries: the valid ${t.format} token was refused`);
  const rand = createRandom(seed);
  const jwt = keys.targets.find((t) => t.format === 'jwt');
  const batches: [TokenVerifier | undefined, string[]][] = [[jwt?.verifier, await jwtForgeries(keys, rand)]];
  for (const [format, tokens] of await fieldForgeries(keys))
    batches.push([keys.targets.find((t) => t.format === format)?.verifier, tokens]);
  let tried = 0;
  let bad = 0;
  const examples: string[] = [];
  for (const [verifier, tokens] of batches) {
    if (!verifier) throw new Error('missing verifier');
    for (const token of tokens) {
      tried++;
      if (await accepted(verifier, token)) {
        bad++;
        if (examples.length < 3) examples.push(token.slice(0, 80));
      }
    }
  }
  return {
    category: 'targeted forgeries (all formats)',
    tried,
    badLabel: 'accepted',
    bad,
    ...(examples.length > 0 ? { note: examples.join(' | ') } : {}),
  };
}
