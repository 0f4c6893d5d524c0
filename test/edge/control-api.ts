/**
 * Test helper for the operator API (issue 15): a Worker with a real D1 CONTROL store and a counting
 * shield, plus a small JSON client. No assertions here.
 */
import type { EdgeEnv } from '../../src/edge/config.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { type EdgeWorker, type EdgeWorkerExtras, startEdgeWorker } from './edge-worker.ts';

export const ADMIN_KEY = 'admin-test-key-0123456789abcdefghijklmnop';

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions.
  readonly body: any;
}

export interface ControlStack {
  readonly edge: EdgeWorker;
  readonly shield: CountingUpstream;
  call(method: string, path: string, key?: string, body?: unknown): Promise<ApiAnswer>;
  /**
   * Rotates `tenant`'s signing keys (admin key) once the `next` key is old enough: polls past the 409
   * answered until CONTROL_CACHE_TTL_S has passed since its creation, deadline 10 s.
   */
  rotateWhenAllowed(tenant: string): Promise<ApiAnswer>;
  close(): Promise<void>;
}

/** A Worker whose CONTROL is a fresh D1, with `vars` on top of AUTH_MODE required and ADMIN_API_KEY. */
export async function startControlStack(
  vars: Omit<EdgeEnv, 'SHIELD_URLS'> = {},
  extras: EdgeWorkerExtras = {},
): Promise<ControlStack> {
  const shield = await startCountingUpstream();
  const edge = await startEdgeWorker(
    { ADMIN_API_KEY: ADMIN_KEY, SHIELD_URLS: shield.url, ...vars },
    { ...extras, bindings: { CONTROL: { type: 'd1', id: 'control' }, ...extras.bindings } },
  );
  const stack: ControlStack = {
    edge,
    shield,
    async call(method, path, key, body) {
      const res = await edge.fetch(`/api/v1${path}`, {
        method,
        headers: {
          ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: new Headers([...res.headers]),
        body: text === '' ? undefined : JSON.parse(text),
      };
    },
    async rotateWhenAllowed(tenant) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const res = await stack.call('POST', `/tenants/${tenant}/signing-keys/rotate`, ADMIN_KEY);
        if (res.status !== 409 || Date.now() > deadline) return res;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await edge.dispose();
      await shield.close();
    },
  };
  return stack;
}

/** Creates tenant `id` owning `prefix` with an active signing key; returns a tenant key with `scopes`. */
export async function seedTenant(
  stack: ControlStack,
  id: string,
  prefix: string,
  scopes: readonly string[] = [
    'tokens:mint',
    'revocations:write',
    'config:read',
    'config:write',
    'signing-keys:write',
  ],
): Promise<string> {
  const steps: [string, string, unknown][] = [
    ['POST', '/tenants', { id, name: `Tenant ${id}` }],
    ['POST', `/tenants/${id}/prefixes`, { prefix }],
    ['POST', `/tenants/${id}/signing-keys`, {}],
    ['POST', `/tenants/${id}/api-keys`, { scopes, label: 'test' }],
  ];
  let last: ApiAnswer | undefined;
  for (const [method, path, body] of steps) {
    last = await stack.call(method, path, ADMIN_KEY, body);
    if (last.status !== 201)
      throw new Error(`${method} ${path}: ${last.status} ${JSON.stringify(last.body)}`);
  }
  return last?.body.key as string;
}
