/**
 * Viewer auth in workerd, part 2: which token wins when several are presented, CloudFront signed
 * cookies, and AUTH_VERIFIERS scoped per path prefix. The real Worker, a counting fake shield; tokens
 * are minted with the library signers (src/core/auth) against keys made at test time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCloudFront } from '../../src/core/auth/cloudfront.ts';
import { generateCloudFrontKeyPair } from '../../src/core/auth/cloudfront-keys.ts';
import { EDGEAUTH_PARAM, signEdgeAuth } from '../../src/core/auth/edgeauth.ts';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { parseFields } from '../../src/core/auth/query-string.ts';
import { signSecureLink } from '../../src/core/auth/secure-link.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { EDGE, type EdgeWorker, startEdgeWorker } from './edge-worker.ts';
import { waitForRecords } from './egress-records.ts';

const EDGEAUTH_KEY = 'a1'.repeat(32);
const CF_KEY_ID = 'K2TESTKEYPAIR';
const SECURE_LINK_SECRET = 'nginx-secret';
/** nginx's documented form without `$remote_addr` (the test client's address is not ours to pin). */
const SECURE_LINK_EXPRESSION = '$secure_link_expires$uri $secret';
const now = () => Math.floor(Date.now() / 1000);
let shield: CountingUpstream;
let edge: EdgeWorker;
let key: TestKeyPair;
let cfPrivatePem: string;

function route(path: string): void {
  shield.route(path, {
    body: 'segment-bytes',
    headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
  });
}

function jwt(claims: Record<string, unknown>): Promise<string> {
  return signJwt(crypto.subtle, key.signing, { exp: now() + 600, ...claims });
}

/** Status of a GET, with the body drained. */
async function statusOf(path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await edge.fetch(path, { headers });
  await res.arrayBuffer();
  return res.status;
}

/** CloudFront custom-policy fields for `resource` (a URL glob) as a name → value map. */
async function cloudFrontFields(resource: string): Promise<Map<string, string>> {
  const signed = await signCloudFront(crypto.subtle, {
    keyPairId: CF_KEY_ID,
    privateKeyPem: cfPrivatePem,
    resource,
    exp: now() + 600,
  });
  const fields = parseFields(signed);
  if (!fields) throw new Error(`unparseable CloudFront fields: ${signed}`);
  return fields;
}

/** `CloudFront-Policy=…; CloudFront-Signature=…; CloudFront-Key-Pair-Id=…`, as CloudFront sets them. */
function cloudFrontCookies(fields: Map<string, string>): string {
  return [...fields].map(([name, value]) => `CloudFront-${name}=${value}`).join('; ');
}

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  const cf = await generateCloudFrontKeyPair(crypto.subtle);
  cfPrivatePem = cf.privatePem;
  shield = await startCountingUpstream();
  edge = await startEdgeWorker({
    SHIELD_URLS: shield.url,
    AUTH_JWKS: jwksText(key),
    AUTH_VERIFIERS: JSON.stringify([
      { prefix: '/ea/', format: 'edgeauth', key: EDGEAUTH_KEY },
      { prefix: '/cf/', format: 'cloudfront', keys: { [CF_KEY_ID]: cf.publicPem } },
      {
        prefix: '/sl/',
        format: 'securelink',
        secret: SECURE_LINK_SECRET,
        expression: SECURE_LINK_EXPRESSION,
      },
    ]),
  });
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
});

describe('token source precedence', () => {
  it('serves a valid path token even when the query carries ?token=garbage', async () => {
    route('/vod/pq/seg.ts');
    const t = await jwt({ acl: ['/vod/pq/'] });
    expect(await statusOf(`/~t/${t}/vod/pq/seg.ts?token=garbage`)).toBe(200);
  });

  it('serves a valid query token even when Authorization carries a garbage Bearer', async () => {
    route('/vod/qh/seg.ts');
    const t = await jwt({ acl: ['/vod/qh/'] });
    expect(await statusOf(`/vod/qh/seg.ts?token=${t}`, { authorization: 'Bearer garbage.garbage.x' })).toBe(
      200,
    );
  });

  it('decides on the path token over a valid query token for another ACL', async () => {
    route('/vod/pw/seg.ts');
    const mine = await jwt({ acl: ['/vod/pw/'], sid: 'from-path' });
    const other = await jwt({ acl: ['/vod/elsewhere/'], sid: 'from-query' });
    expect(await statusOf(`/~t/${mine}/vod/pw/seg.ts?token=${other}`)).toBe(200);
    // The viewer the edge recorded is the path token's (its sid), not the query token's.
    const [record] = await waitForRecords(edge, '/vod/pw/seg.ts', 1);
    expect(record?.sessionId).toBe('from-path');
  });

  it('does not fall back to a valid query token when the path token is refused', async () => {
    route('/vod/pf/seg.ts');
    const wrong = await jwt({ acl: ['/vod/elsewhere/'] });
    const right = await jwt({ acl: ['/vod/pf/'] });
    expect(await statusOf(`/~t/${wrong}/vod/pf/seg.ts?token=${right}`)).toBe(403);
    expect(shield.count('/vod/pf/seg.ts')).toBe(0);
  });
});

describe('one token per request: no first-value-wins', () => {
  it('skips an empty ?token= and serves the real one after it', async () => {
    route('/vod/empty/seg.ts');
    const t = await jwt({ acl: ['/vod/empty/'] });
    expect(await statusOf(`/vod/empty/seg.ts?token=&token=${t}`)).toBe(200);
  });

  it('refuses two non-empty ?token= values as ambiguous, even when both are valid', async () => {
    route('/vod/two/seg.ts');
    const a = await jwt({ acl: ['/vod/two/'], sub: 'a' });
    const b = await jwt({ acl: ['/vod/two/'], sub: 'b' });
    expect(await statusOf(`/vod/two/seg.ts?token=${a}&token=${b}`)).toBe(403);
    expect(shield.count('/vod/two/seg.ts')).toBe(0);
  });

  it('CloudFront query: serves the signer order, refuses reordered or repeated fields', async () => {
    route('/cf/q/seg.ts');
    const fields = await cloudFrontFields(`${EDGE}/cf/q/*`);
    const pairs = [...fields].map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
    const [policy = '', signature = '', keyPair = ''] = pairs;
    expect(await statusOf(`/cf/q/seg.ts?${pairs.join('&')}`)).toBe(200);
    for (const query of [
      [signature, policy, keyPair],
      [policy, signature, signature, keyPair],
      [policy, signature, 'Signature=AAAA', keyPair],
      [policy, 'Signature=AAAA', signature, keyPair],
    ])
      expect(await statusOf(`/cf/q/seg.ts?${query.join('&')}`), query.join('&').slice(0, 60)).toBe(403);
  });

  it('CloudFront cookies: refuses a repeated CloudFront-Signature', async () => {
    route('/cf/dup/seg.ts');
    const fields = await cloudFrontFields(`${EDGE}/cf/dup/*`);
    const cookie = cloudFrontCookies(fields);
    expect(await statusOf('/cf/dup/seg.ts', { cookie })).toBe(200);
    expect(await statusOf('/cf/dup/seg.ts', { cookie: `${cookie}; CloudFront-Signature=AAAA` })).toBe(403);
    expect(await statusOf('/cf/dup/seg.ts', { cookie: `CloudFront-Signature=AAAA; ${cookie}` })).toBe(403);
  });

  it('EdgeAuth query: refuses a repeated native parameter', async () => {
    route('/ea/dup/seg.ts');
    const token = encodeURIComponent(
      await signEdgeAuth(crypto.subtle, { key: EDGEAUTH_KEY, exp: now() + 600, acl: ['/ea/*'] }),
    );
    expect(await statusOf(`/ea/dup/seg.ts?${EDGEAUTH_PARAM}=${token}`)).toBe(200);
    expect(await statusOf(`/ea/dup/seg.ts?${EDGEAUTH_PARAM}=${token}&${EDGEAUTH_PARAM}=x`)).toBe(403);
  });
});

describe('CloudFront signed cookies', () => {
  it('accepts CloudFront-Policy/-Signature/-Key-Pair-Id cookies under the CloudFront prefix', async () => {
    route('/cf/show/seg.ts');
    const cookie = cloudFrontCookies(await cloudFrontFields(`${EDGE}/cf/show/*`));
    expect(cookie).toContain('CloudFront-Policy=');
    expect(await statusOf('/cf/show/seg.ts', { cookie: `session=1; ${cookie}` })).toBe(200);
    expect(shield.count('/cf/show/seg.ts')).toBe(1);
  });

  it('refuses cookies whose signature was tampered with, or whose policy names another resource', async () => {
    route('/cf/other/seg.ts');
    const fields = await cloudFrontFields(`${EDGE}/cf/show/*`);
    expect(await statusOf('/cf/other/seg.ts', { cookie: cloudFrontCookies(fields) })).toBe(403);
    const signature = fields.get('Signature') ?? '';
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const tampered = new Map([...fields, ['Signature', flipped]]);
    expect(await statusOf('/cf/show/seg.ts', { cookie: cloudFrontCookies(tampered) })).toBe(403);
    expect(shield.count('/cf/other/seg.ts')).toBe(0);
  });

  it('answers 401 when only some of the CloudFront cookies are present (no Signature)', async () => {
    const fields = await cloudFrontFields(`${EDGE}/cf/show/*`);
    fields.delete('Signature');
    expect(await statusOf('/cf/show/seg.ts', { cookie: cloudFrontCookies(fields) })).toBe(401);
  });
});

describe('AUTH_VERIFIERS scoped per prefix', () => {
  it('accepts an EdgeAuth token inside its prefix and refuses the same token outside it', async () => {
    route('/ea/show/seg.ts');
    route('/vod/ea/seg.ts');
    // The ACL covers every path, so only the verifier's prefix can refuse it.
    const token = await signEdgeAuth(crypto.subtle, { key: EDGEAUTH_KEY, exp: now() + 600, acl: ['/*'] });
    const query = `${EDGEAUTH_PARAM}=${encodeURIComponent(token)}`;
    expect(await statusOf(`/ea/show/seg.ts?${query}`)).toBe(200);
    // Outside the prefix its native parameter is not even read, and the generic one finds no verifier.
    expect(await statusOf(`/vod/ea/seg.ts?${query}`)).toBe(401);
    expect(await statusOf(`/vod/ea/seg.ts?token=${encodeURIComponent(token)}`)).toBe(403);
    expect(shield.count('/vod/ea/seg.ts')).toBe(0);
  });

  it('accepts an nginx secure_link URL inside its prefix and refuses a wrong md5 or another path', async () => {
    route('/sl/show/seg.ts');
    route('/sl/show/other.ts');
    const sign = (path: string) =>
      signSecureLink({
        secret: SECURE_LINK_SECRET,
        expression: SECURE_LINK_EXPRESSION,
        path,
        exp: now() + 600,
      });
    // The Worker computes MD5 with workerd's Web Crypto; the signer here with core's own md5.ts.
    expect(await statusOf(`/sl/show/seg.ts?${sign('/sl/show/seg.ts')}`)).toBe(200);
    expect(await statusOf(`/sl/show/other.ts?${sign('/sl/show/seg.ts')}`)).toBe(403);
    const wrongSecret = signSecureLink({
      secret: 'not-the-secret',
      expression: SECURE_LINK_EXPRESSION,
      path: '/sl/show/seg.ts',
      exp: now() + 600,
    });
    expect(await statusOf(`/sl/show/seg.ts?${wrongSecret}`)).toBe(403);
    expect(shield.count('/sl/show/other.ts')).toBe(0);
  });

  it('refuses CloudFront cookies valid for every resource outside the CloudFront prefix', async () => {
    route('/vod/cfout/seg.ts');
    const cookie = cloudFrontCookies(await cloudFrontFields(`${EDGE}/*`));
    expect(await statusOf('/cf/show/seg.ts', { cookie })).toBe(200);
    expect(await statusOf('/vod/cfout/seg.ts', { cookie })).toBe(401);
    expect(shield.count('/vod/cfout/seg.ts')).toBe(0);
  });
});
