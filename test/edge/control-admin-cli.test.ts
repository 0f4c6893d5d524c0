/**
 * `npm run admin` (scripts/admin) against the real Worker with a real D1 store: a tenant set up,
 * a URL minted that plays, a token revoked; usage errors and API refusals have their exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminIo, runAdmin } from '../../scripts/admin/cli.ts';
import { ADMIN_KEY, type ControlStack, startControlStack } from './control-api.ts';

let stack: ControlStack;

async function admin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: AdminIo = {
    env: { EDGESHIELD_API_URL: 'http://edge.test', EDGESHIELD_API_KEY: ADMIN_KEY },
    fetch: async (url, init) =>
      (await stack.edge.mf.dispatchFetch(url, init as never)) as unknown as Response,
    readFile: async () => '[]',
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  };
  const code = await runAdmin(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  stack = await startControlStack({ CONTROL_CACHE_TTL_S: '1' });
});

afterAll(async () => {
  await stack?.close();
});

describe('npm run admin', () => {
  it('sets up a tenant and mints a URL that plays through the edge', async () => {
    expect((await admin('tenant', 'create', 'acme', '--name', 'Acme')).code).toBe(0);
    expect((await admin('prefix', 'add', 'acme', '/acme/')).code).toBe(0);
    expect((await admin('signing-key', 'create', 'acme')).code).toBe(0);
    const minted = await admin('token', 'mint', 'acme', '/acme/a/seg_1.ts', '--ttl', '600', '--sid', 's-1');
    expect(minted.code).toBe(0);
    const { url, jti } = JSON.parse(minted.out) as { url: string; jti: string };
    stack.shield.route('/acme/a/seg_1.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
    const res = await stack.edge.fetch(new URL(url).pathname + new URL(url).search);
    expect(res.status).toBe(200);
    const revoked = await admin('revocation', 'add', '--tenant', 'acme', '--jti', jti);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({ kind: 'jti', value: jti });
  });

  it('exits 1 with the API error when the API refuses', async () => {
    const res = await admin('tenant', 'create', 'acme');
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^409 .*EDGE_ERR_API_CONFLICT/s);
  });

  it('exits 64 on a usage error and 0 for --help', async () => {
    expect((await admin('tenant', 'explode')).code).toBe(64);
    expect((await admin('token', 'mint', 'acme')).code).toBe(64);
    const help = await admin('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('token mint <tenant> <path>');
  });
});
