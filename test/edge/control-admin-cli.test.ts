/**
 * `npm run admin` (scripts/admin) against the real Worker with a real D1 store: a tenant set up,
 * a URL minted that plays, a token revoked; usage errors and API refusals have their exit codes; the
 * key never comes from argv; a non-JSON reply or a refused connection is reported without a stack.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminIo, runAdmin } from '../../scripts/admin/cli.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { ADMIN_KEY, type ControlStack, startControlStack } from './control-api.ts';

let stack: ControlStack;

type Result = { code: number; out: string; err: string; requests: number };

async function admin(...argv: string[]): Promise<Result> {
  return adminWith({}, ...argv);
}

async function adminWith(over: Partial<AdminIo>, ...argv: string[]): Promise<Result> {
  let out = '';
  let err = '';
  let requests = 0;
  const base: AdminIo = {
    env: { EDGESHIELD_API_URL: 'http://edge.test', EDGESHIELD_API_KEY: ADMIN_KEY },
    fetch: async (url, init) => {
      requests++;
      return (await stack.edge.mf.dispatchFetch(url, init as never)) as unknown as Response;
    },
    readFile: async () => '[]',
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  };
  const io: AdminIo = { ...base, ...over };
  const code = await runAdmin(argv, io);
  return { code, out, err, requests };
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

  it('rotates a signing key: URLs minted before and after both play, the new ones under the new kid', async () => {
    const kidOf = (url: string) => {
      const jwt = /[\w-]+\.[\w-]+\.[\w-]+/.exec(new URL(url).search)?.[0] ?? '';
      return (JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as { kid: string })
        .kid;
    };
    const mint = async (path: string) => {
      const minted = await admin('token', 'mint', 'acme', path, '--ttl', '600');
      expect(minted.code).toBe(0);
      return (JSON.parse(minted.out) as { url: string }).url;
    };
    const plays = async (url: string) => {
      // The edge's copy of the tenant keys is at most CONTROL_CACHE_TTL_S (1 s) old; poll well past it.
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline) {
        const res = await stack.edge.fetch(new URL(url).pathname + new URL(url).search);
        await res.arrayBuffer();
        status = res.status;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return status;
    };
    stack.shield.route('/acme/r/seg_1.ts', { body: 'segment', headers: { 'content-type': 'video/mp2t' } });
    const before = await mint('/acme/r/seg_1.ts');
    const created = await admin('signing-key', 'create', 'acme');
    expect(created.code).toBe(0);
    const next = JSON.parse(created.out) as { kid: string; state: string };
    expect(next.state).toBe('next');
    // Rotation is refused (409) until every isolate can have seen the next key: retry past that bound.
    let rotated = await admin('signing-key', 'rotate', 'acme');
    for (let i = 0; i < 100 && rotated.code !== 0; i++) {
      expect(rotated.err).toMatch(/^409 /);
      await new Promise((r) => setTimeout(r, 100));
      rotated = await admin('signing-key', 'rotate', 'acme');
    }
    expect(rotated.code).toBe(0);
    const after = await mint('/acme/r/seg_1.ts');
    expect(kidOf(after)).toBe(next.kid);
    expect(kidOf(before)).not.toBe(next.kid);
    expect(await plays(after)).toBe(200);
    expect(await plays(before)).toBe(200);
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

  it('refuses --key on argv (exit 64, nothing sent) and takes the key from --key-file', async () => {
    const refused = await adminWith(
      { env: { EDGESHIELD_API_URL: 'http://edge.test' } },
      'tenant',
      'list',
      '--key',
      ADMIN_KEY,
    );
    expect(refused.code).toBe(64);
    expect(refused.err).toMatch(/--key is not accepted.*EDGESHIELD_API_KEY.*--key-file/);
    expect(refused.requests).toBe(0);
    const dir = await mkdtemp(join(tmpdir(), 'admin-key-'));
    try {
      const file = join(dir, 'key');
      await writeFile(file, `${ADMIN_KEY}\n`, { mode: 0o600 });
      const withFile = await adminWith(
        { env: { EDGESHIELD_API_URL: 'http://edge.test' }, readFile: (p) => readFile(p, 'utf8') },
        'tenant',
        'list',
        '--key-file',
        file,
      );
      expect(withFile.code).toBe(0);
      expect(JSON.parse(withFile.out)).toMatchObject({ tenants: [{ id: 'acme' }] });
      const missing = await adminWith(
        { env: { EDGESHIELD_API_URL: 'http://edge.test' }, readFile: (p) => readFile(p, 'utf8') },
        'tenant',
        'list',
        '--key-file',
        join(dir, 'nope'),
      );
      expect(missing.code).toBe(64);
      expect(missing.err).toContain(`--key-file ${join(dir, 'nope')}: cannot read`);
      expect(missing.requests).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints the status and raw body of a non-JSON reply (exit 1) and a refused connection (exit 69)', async () => {
    const html = '<html><body>502 Bad Gateway</body></html>';
    const server = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const proxy = await adminWith(
        { env: { EDGESHIELD_API_URL: `http://127.0.0.1:${port}`, EDGESHIELD_API_KEY: ADMIN_KEY }, fetch },
        'tenant',
        'list',
      );
      expect(proxy.code).toBe(1);
      expect(proxy.err).toContain('502 non-JSON reply');
      expect(proxy.err).toContain(html);
      expect(proxy.err).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const closed = await freePort();
    const down = await adminWith(
      { env: { EDGESHIELD_API_URL: `http://127.0.0.1:${closed}`, EDGESHIELD_API_KEY: ADMIN_KEY }, fetch },
      'tenant',
      'list',
    );
    expect(down.code).toBe(69);
    expect(down.err).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
    expect(down.err).not.toMatch(/\n\s+at /);
  });
});
