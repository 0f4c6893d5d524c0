/**
 * WHIP/WHEP signalling through the real Worker in workerd (issue 16): token and geo admission, the
 * publish rule, proxying to stand-in media servers on real sockets (rendezvous, failover), and the
 * answer rewrite that keeps media server addresses behind the edge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/core/auth/jwt-sign.ts';
import { rendezvousOrder } from '../../src/core/cache/rendezvous.ts';
import { parseRtcViewerHeader } from '../../src/core/webrtc/contract.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { ADMIN_KEY, type ControlStack, startControlStack } from './control-api.ts';
import { closedPort, type EdgeWorker, logsWith, startEdgeWorker } from './edge-worker.ts';
import { type FakeMediaServer, INTERNAL_STUN, SDP_ANSWER, startFakeMediaServer } from './rtc-fake-media.ts';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=offer\r\n';
const PUBLIC_STUN = 'stun:stun.example.com:3478';
const SECRET = 'rtc-secret-0123456789abcdef';
const CF = { country: 'DE', regionCode: 'BE', colo: 'FRA', asn: 3320, asOrganization: 'Telekom' };
const now = () => Math.floor(Date.now() / 1000);
let key: TestKeyPair;

async function token(claims: Record<string, unknown>): Promise<string> {
  return signJwt(crypto.subtle, key.signing, { exp: now() + 600, ...claims });
}

const codeOf = async (res: { json(): Promise<unknown> }) => ((await res.json()) as { code: string }).code;

/** Stream names whose rendezvous owner among `urls` is `owner` (the fake answers every name alike). */
function streamsOwnedBy(owner: string, urls: readonly string[], count = 1): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (rendezvousOrder(`s${i}`, urls)[0] === owner) out.push(`s${i}`);
  return out;
}

function offer(
  edge: EdgeWorker,
  path: string,
  bearer: string | undefined,
  init: Record<string, unknown> = {},
) {
  return edge.fetch(path, {
    method: 'POST',
    body: OFFER,
    cf: CF,
    ...init,
    headers: {
      'content-type': 'application/sdp',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

beforeAll(async () => {
  key = await makeKey('ES256', 'rtc1');
});

describe('WHIP/WHEP with two media servers', () => {
  let a: FakeMediaServer;
  let b: FakeMediaServer;
  let edge: EdgeWorker;
  let viewerToken: string;
  const all = () => [...a.requests, ...b.requests];
  beforeAll(async () => {
    a = await startFakeMediaServer();
    b = await startFakeMediaServer();
    edge = await startEdgeWorker({
      AUTH_JWKS: jwksText(key),
      RTC_URLS: `${a.url},${b.url}`,
      RTC_SHARED_SECRET: SECRET,
      RTC_ICE_SERVERS: PUBLIC_STUN,
      GEO_RULES: JSON.stringify([
        {
          prefix: '/whep/geo',
          deny: { countries: ['FR'] },
          status: 451,
          blockedBy: 'https://rights.example',
        },
      ]),
    });
    viewerToken = await token({ acl: ['/whep/'], sub: 'alice', sid: 'sess-1' });
  });
  afterAll(async () => {
    await edge?.dispose();
    await a?.close();
    await b?.close();
  });

  it('answers 401 EDGE_ERR_TOKEN_MISSING without a token and asks no media server', async () => {
    const before = all().length;
    const res = await offer(edge, '/whep/live', undefined);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe('EDGE_ERR_TOKEN_MISSING');
    expect(all().length).toBe(before);
  });

  it('answers 403 EDGE_ERR_TOKEN_INVALID to an expired Bearer token', async () => {
    const res = await offer(edge, '/whep/live', await token({ acl: ['/whep/'], exp: now() - 3600 }));
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('EDGE_ERR_TOKEN_INVALID');
  });

  it('answers 403 to a token whose acl does not cover the stream', async () => {
    const res = await offer(edge, '/whep/live', await token({ acl: ['/whep/other'] }));
    expect(res.status).toBe(403);
  });

  it('applies GEO_RULES like HLS: 451 with Link rel="blocked-by"', async () => {
    const res = await offer(edge, '/whep/geo', viewerToken, { cf: { country: 'FR' } });
    expect(res.status).toBe(451);
    expect(res.headers.get('link')).toBe('<https://rights.example>; rel="blocked-by"');
    expect(await codeOf(res)).toBe('EDGE_ERR_GEO_BLOCKED');
  });

  it('accepts a Bearer token, answers 201 with the SDP, an edge Location, our ICE server and the ETag', async () => {
    const res = await offer(edge, '/whep/live', viewerToken, {
      headers: { origin: 'https://player.example' },
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe(SDP_ANSWER);
    expect(res.headers.get('content-type')).toBe('application/sdp');
    expect(res.headers.get('location')).toMatch(/^\/whep\/live\/sessions\/[A-Za-z0-9_-]{22}$/);
    expect(res.headers.get('link')).toBe(`<${PUBLIC_STUN}>; rel="ice-server"`);
    expect(res.headers.get('etag')).toBe('"ice-1"');
    expect(res.headers.get('server')).toBeNull();
    expect([...res.headers].join(' ')).not.toContain(INTERNAL_STUN);
    const exposed = res.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['Location', 'Link', 'ETag']) expect(exposed).toContain(name);
  });

  it('prefers the Bearer token over a cookie on WHIP/WHEP paths', async () => {
    const stale = await token({ acl: ['/vod/'] });
    const res = await offer(edge, '/whep/live', viewerToken, {
      headers: { cookie: `edgeshield_token=${stale}` },
    });
    expect(res.status).toBe(201);
  });

  it('sends the secret and the viewer facts, never the client-sent x-edgeshield-* headers or its token', async () => {
    // A sid beyond Latin-1 must still travel in a header (escaped JSON) and come back intact.
    const wide = await token({ acl: ['/whep/'], sub: 'alice', sid: 'sess-电视' });
    const res = await offer(edge, '/whep/facts', wide, {
      headers: {
        'x-edgeshield-auth': 'forged',
        'x-edgeshield-viewer': '{"country":"XX"}',
        'x-edgeshield-x': '1',
      },
    });
    expect(res.status).toBe(201);
    const got = all().find((r) => r.path === '/whep/facts');
    expect(got?.method).toBe('POST');
    expect(got?.body).toBe(OFFER);
    expect(got?.headers['content-type']).toBe('application/sdp');
    expect(got?.headers['x-edgeshield-auth']).toBe(SECRET);
    expect(got?.headers['x-edgeshield-x']).toBeUndefined();
    expect(got?.headers.authorization).toBeUndefined();
    const viewer = parseRtcViewerHeader(got?.headers['x-edgeshield-viewer'] as string);
    expect(viewer).toMatchObject({
      country: 'DE',
      region: 'BE',
      colo: 'FRA',
      sessionId: 'sess-电视',
      asn: 3320,
      asOrganization: 'Telekom',
    });
    expect(viewer.viewer).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a viewer token (acl /whep/ or *) on WHIP with 403, and admits an acl written for /whip/', async () => {
    for (const acl of [['/whep/'], ['*'], ['/']]) {
      const res = await offer(edge, '/whip/cam', await token({ acl }));
      expect(res.status, JSON.stringify(acl)).toBe(403);
      expect(await codeOf(res)).toBe('EDGE_ERR_TOKEN_INVALID');
    }
    expect(all().some((r) => r.path.startsWith('/whip/'))).toBe(false);
    const res = await offer(edge, '/whip/cam', await token({ acl: ['/whip/cam'] }));
    expect(res.status).toBe(201);
    // The fake answers WHIP with a path-absolute Location: rewritten the same way.
    expect(res.headers.get('location')).toMatch(/^\/whip\/cam\/sessions\/[A-Za-z0-9_-]{22}$/);
  });

  it('sends the offer, PATCH and DELETE of a stream to its rendezvous owner only', async () => {
    const [stream] = streamsOwnedBy(b.url, [a.url, b.url]);
    const created = await offer(edge, `/whep/${stream}`, viewerToken);
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    const patch = await edge.fetch(location, {
      method: 'PATCH',
      body: 'a=candidate:1 1 udp 1 127.0.0.1 5000 typ host',
      headers: {
        authorization: `Bearer ${viewerToken}`,
        'content-type': 'application/trickle-ice-sdpfrag',
        'if-match': '"ice-1"',
      },
    });
    expect(patch.status).toBe(204);
    const del = await edge.fetch(location, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(del.status).toBe(200);
    const onB = b.requests.filter((r) => r.path.startsWith(`/whep/${stream}`)).map((r) => r.method);
    expect(onB).toEqual(['POST', 'PATCH', 'DELETE']);
    expect(b.requests.find((r) => r.method === 'PATCH')?.headers['if-match']).toBe('"ice-1"');
    expect(a.requests.some((r) => r.path.startsWith(`/whep/${stream}`))).toBe(false);
    expect(b.sessions.size + a.sessions.size).toBeGreaterThan(0);
  });

  it("reaches a session on the runner-up (placed there by an earlier POST failover) past the owner's 404", async () => {
    const [stream] = streamsOwnedBy(a.url, [a.url, b.url]);
    // As if the owner had been down when the viewer joined: the session lives on b.
    const direct = await fetch(`${b.url}/whep/${stream}`, { method: 'POST', body: OFFER });
    const location = new URL(direct.headers.get('location') ?? '').pathname;
    const res = await edge.fetch(location, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(res.status).toBe(200);
    expect(a.requests.filter((r) => r.path === location).map((r) => r.method)).toEqual(['DELETE']);
    expect(b.requests.filter((r) => r.path === location).map((r) => r.method)).toEqual(['DELETE']);
  });

  it('requires the token on PATCH and DELETE too', async () => {
    const res = await edge.fetch(`/whep/live/sessions/${'A'.repeat(22)}`, { method: 'DELETE' });
    expect(res.status).toBe(401);
  });

  it('passes a media server 4xx and its RTC_ERR_* body through (session unknown everywhere: 404)', async () => {
    const missing = await offer(edge, '/whep/nostream', viewerToken);
    expect(missing.status).toBe(404);
    expect(await codeOf(missing)).toBe('RTC_ERR_STREAM_NOT_FOUND');
    const full = await offer(edge, '/whep/full', viewerToken);
    expect(full.status).toBe(503);
    expect(await codeOf(full)).toBe('RTC_ERR_STREAM_FULL');
    const gone = await edge.fetch(`/whep/live/sessions/${'Z'.repeat(22)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(gone.status).toBe(404);
    expect(await codeOf(gone)).toBe('RTC_ERR_SESSION_NOT_FOUND');
  });

  it('answers 502 EDGE_ERR_RTC_UNREACHABLE when every media server answers 5xx, with no internal detail', async () => {
    const res = await offer(edge, '/whep/broken', viewerToken);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('EDGE_ERR_RTC_UNREACHABLE');
    expect(text).not.toContain('127.0.0.1');
  });

  it('answers 502 EDGE_ERR_RTC_BAD_RESPONSE when the Location is not a session of the offered stream', async () => {
    const res = await offer(edge, '/whep/stray', viewerToken);
    expect(res.status).toBe(502);
    expect(await codeOf(res)).toBe('EDGE_ERR_RTC_BAD_RESPONSE');
    expect(res.headers.get('location')).toBeNull();
  });

  it('refuses bad paths before any media server sees them', async () => {
    const before = all().length;
    expect((await offer(edge, '/whep/a%2Fb', viewerToken)).status).toBe(400);
    for (const path of [
      `/whep/${'a'.repeat(65)}`,
      '/whep/a.b',
      '/whep/live/extra',
      '/whep/live/sessions/short',
    ]) {
      const res = await offer(edge, path, viewerToken);
      expect(res.status, path).toBe(404);
    }
    expect(all().length).toBe(before);
  });

  it('answers 413 to an SDP over 64 KiB and 415 to another content type', async () => {
    const big = await offer(edge, '/whep/live', viewerToken, { body: 'a'.repeat(64 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(await codeOf(big)).toBe('EDGE_ERR_RTC_BODY_TOO_LARGE');
    const json = await offer(edge, '/whep/live', viewerToken, {
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);
    expect(await codeOf(json)).toBe('EDGE_ERR_RTC_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 405 with the Allow of the resource, and preflights with its methods', async () => {
    const get = await edge.fetch('/whep/live');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    const put = await edge.fetch(`/whep/live/sessions/${'A'.repeat(22)}`, { method: 'PUT' });
    expect(put.headers.get('allow')).toBe('PATCH, DELETE, OPTIONS');
    const pre = await edge.fetch('/whep/live', {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Content-Type');
  });
});

describe('WHIP/WHEP failover', () => {
  let down: string;
  let up: FakeMediaServer;
  let edge: EdgeWorker;
  beforeAll(async () => {
    up = await startFakeMediaServer();
    down = `http://127.0.0.1:${await closedPort()}`;
    edge = await startEdgeWorker({ AUTH_MODE: 'off', RTC_URLS: `${down},${up.url}`, RTC_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await edge?.dispose();
    await up?.close();
  });

  it('moves a POST on to the next media server when the owner is down, and finds the session there', async () => {
    const [stream] = streamsOwnedBy(down, [down, up.url]);
    const res = await offer(edge, `/whep/${stream}`, undefined);
    expect(res.status).toBe(201);
    // No RTC_ICE_SERVERS here: the media server's Link is dropped, none replaces it.
    expect(res.headers.get('link')).toBeNull();
    const location = res.headers.get('location') ?? '';
    const del = await edge.fetch(location, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(up.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('answers 504 EDGE_ERR_RTC_TIMEOUT when the last media server does not answer in RTC_TIMEOUT_MS', async () => {
    const res = await offer(edge, '/whep/hang', undefined);
    expect([502, 504]).toContain(res.status);
    // The down one is refused at once; the live one hangs, and it is the last failure either way.
    expect(await codeOf(res)).toBe(
      rendezvousOrder('hang', [down, up.url])[1] === up.url
        ? 'EDGE_ERR_RTC_TIMEOUT'
        : 'EDGE_ERR_RTC_UNREACHABLE',
    );
  });
});

describe('WHIP with AUTH_MODE=off', () => {
  let media: FakeMediaServer;
  let closed: EdgeWorker;
  let open: EdgeWorker;
  beforeAll(async () => {
    media = await startFakeMediaServer();
    closed = await startEdgeWorker({ AUTH_MODE: 'off', RTC_URLS: media.url });
    open = await startEdgeWorker({ AUTH_MODE: 'off', RTC_URLS: media.url, RTC_ANONYMOUS_PUBLISH: 'on' });
  });
  afterAll(async () => {
    await closed?.dispose();
    await open?.dispose();
    await media?.close();
  });

  it('refuses publishing with 403 EDGE_ERR_RTC_PUBLISH_FORBIDDEN unless RTC_ANONYMOUS_PUBLISH=on', async () => {
    const refused = await offer(closed, '/whip/cam', undefined);
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe('EDGE_ERR_RTC_PUBLISH_FORBIDDEN');
    expect(media.requests).toHaveLength(0);
    // Playback stays open, as HLS is with auth off.
    expect((await offer(closed, '/whep/cam', undefined)).status).toBe(201);
    expect((await offer(open, '/whip/cam', undefined)).status).toBe(201);
    expect(media.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
  });
});

describe('WHIP/WHEP without RTC_URLS', () => {
  let edge: EdgeWorker;
  beforeAll(async () => {
    edge = await startEdgeWorker({ AUTH_MODE: 'off' });
  });
  afterAll(() => edge?.dispose());

  it('answers 501 EDGE_ERR_RTC_DISABLED', async () => {
    const res = await offer(edge, '/whep/live', undefined);
    expect(res.status).toBe(501);
    expect(await codeOf(res)).toBe('EDGE_ERR_RTC_DISABLED');
  });
});

describe('WHIP/WHEP with the control plane', () => {
  let stack: ControlStack;
  let media: FakeMediaServer;
  beforeAll(async () => {
    media = await startFakeMediaServer();
    stack = await startControlStack(
      { AUTH_JWKS: jwksText(key), RTC_URLS: media.url, CONTROL_CACHE_TTL_S: '1' },
      {},
    );
  });
  afterAll(async () => {
    await stack?.close();
    await media?.close();
  });

  it('refuses a Bearer token once its session is revoked, as HLS does', async () => {
    const revocable = await token({ acl: ['/whep/'], sid: 'rtc-revoked' });
    expect((await offer(stack.edge, '/whep/live', revocable)).status).toBe(201);
    const res = await stack.call('POST', '/revocations', ADMIN_KEY, { sid: 'rtc-revoked' });
    expect(res.status).toBe(201);
    // The isolate's copy of the store is at most CONTROL_CACHE_TTL_S old; poll well past it.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await offer(stack.edge, '/whep/live', revocable)).status;
      if (status === 403) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(403);
    expect(
      (await logsWith(stack.edge, '"reason":"revoked"')).some((m) => m.includes('"reason":"revoked"')),
    ).toBe(true);
  });
});
