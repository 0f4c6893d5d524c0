/**
 * Path tokens (`/~t/<token>/…`) never reach a log line or an egress record, even on responses that
 * never reach the auth middleware (405, preflight) or that fail upstream (502). AUTH_MODE off: the
 * path guard strips the prefix whatever the auth mode, and verification is not under test here.
 */
import { describe, expect, it } from 'vitest';
import { type EdgeWorker, useEdgeWithShield } from './edge-worker.ts';

/** Looks like a JWT so a leak would be unmistakable in any log line. */
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.c2lnbmF0dXJlLXNlY3JldA';

/** Every log line the Worker printed so far (egress NDJSON included), as one text. */
const logText = (edge: EdgeWorker) => edge.logs.map((l) => l.message).join('\n');

async function waitForLog(edge: EdgeWorker, needle: string): Promise<void> {
  // Generous: log lines reach this process through workerd's stdout, late on a loaded box.
  const deadline = Date.now() + 15_000;
  while (!logText(edge).includes(needle)) {
    if (Date.now() > deadline) throw new Error(`no log line containing ${needle}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('path tokens stay out of logs and egress records', () => {
  const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off' });

  it('logs a 502 on /~t/<token>/… under the token-free path', async () => {
    shield().route('/tok/a.ts', { status: 503, body: 'down' });
    const res = await edge().fetch(`/~t/${TOKEN}/tok/a.ts`);
    expect(res.status).toBe(502);
    await res.arrayBuffer();
    await waitForLog(edge(), '"code":"EDGE_ERR_SHIELD_UNREACHABLE"');
    const errorLine = edge()
      .logs.map((l) => l.message)
      .find((m) => m.includes('"level":"error"'));
    expect(errorLine).toContain('"path":"/tok/a.ts"');
    expect(logText(edge())).not.toContain(TOKEN);
    expect(shield().requests.map((r) => r.url)).toEqual(['/tok/a.ts']);
  });

  it('writes the egress record of a 405 on /~t/<token>/… without the token', async () => {
    const res = await edge().fetch(`/~t/${TOKEN}/tok/b.ts`, { method: 'POST' });
    expect(res.status).toBe(405);
    await res.arrayBuffer();
    await waitForLog(edge(), '"path":"/tok/b.ts"');
    const record = edge()
      .logs.map((l) => l.message)
      .find((m) => m.startsWith('{"ts":') && m.includes('/tok/b.ts'));
    expect(record).toBeDefined();
    expect(JSON.parse(record ?? '{}')).toMatchObject({ status: 405, path: '/tok/b.ts' });
    expect(logText(edge())).not.toContain(TOKEN);
  });

  it('writes the egress record of a preflight on /~t/<token>/… without the token', async () => {
    const res = await edge().fetch(`/~t/${TOKEN}/tok/c.ts`, {
      method: 'OPTIONS',
      headers: { origin: 'https://p.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    await waitForLog(edge(), '"path":"/tok/c.ts"');
    expect(logText(edge())).not.toContain(TOKEN);
  });

  it('writes the egress record of a refused path (400) on /~t/<token>/… without the token', async () => {
    const res = await edge().fetch(`/~t/${TOKEN}/tok/..%2fd.ts`);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    await waitForLog(edge(), '"status":400');
    expect(logText(edge())).not.toContain(TOKEN);
  });
});
