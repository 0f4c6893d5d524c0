/**
 * Edge → shield over HTTPS: the Worker in workerd fetches from a real shield listening with TLS
 * (`SHIELD_URLS=https://localhost:…`), its certificate issued by a CA made in the test.
 *
 * workerd trusts public CAs only; Miniflare adds the PEMs in `NODE_EXTRA_CA_CERTS`, read once when
 * Miniflare is first imported. So this file sets it before importing the edge harness (and with it
 * Miniflare), and vitest runs each test file in a fresh module graph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { type RunningShield, startShield } from '../../origin/server.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { createTestCa, type Issued, type TestCa } from '../fixtures/test-ca.ts';
import { shieldConfig } from '../shield/helpers.ts';
import type { EdgeWorker } from './edge-worker.ts';

let ca: TestCa;
let packager: CountingUpstream;
let shield: RunningShield;
let edge: EdgeWorker;

beforeAll(async () => {
  ca = createTestCa();
  const cert = ca.issue('shield', 'server');
  process.env.NODE_EXTRA_CA_CERTS = ca.caPath;
  const { startEdgeWorker } = await import('./edge-worker.ts');
  packager = await startCountingUpstream();
  shield = await httpsShield(cert);
  edge = await startEdgeWorker(edgeEnv(shield));
});

/** A shield in front of the counting packager, listening with HTTPS with `cert`. */
function httpsShield(cert: Issued): Promise<RunningShield> {
  const env = { SHIELD_UPSTREAMS: packager.url, SHIELD_SHARED_SECRET: 'tls-secret' };
  const tls = { SHIELD_TLS_CERT: cert.certPath, SHIELD_TLS_KEY: cert.keyPath };
  return startShield(shieldConfig({ ...env, ...tls }), { logger: silentLogger });
}

/** The edge's vars for one HTTPS shield (by name: the certificate is for localhost). */
const edgeEnv = (target: RunningShield) => ({
  AUTH_MODE: 'off',
  SHIELD_URLS: `https://localhost:${target.port}`,
  SHIELD_SHARED_SECRET: 'tls-secret',
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
  await packager?.close();
  ca?.remove();
  delete process.env.NODE_EXTRA_CA_CERTS;
});

describe('edge → shield over HTTPS', () => {
  it('serves a segment through a shield whose certificate the trusted CA issued', async () => {
    packager.route('/vod/tls.ts', {
      body: 'segment-over-tls',
      headers: { 'cache-control': 'public, max-age=60' },
    });
    const res = await edge.fetch('/vod/tls.ts');
    expect([res.status, await res.text(), res.headers.get('x-cache-shield')]).toEqual([
      200,
      'segment-over-tls',
      'MISS',
    ]);
    expect(packager.count('/vod/tls.ts')).toBe(1);
  });

  it('refuses a shield whose certificate no trusted CA issued (502, nothing fetched)', async () => {
    const other = createTestCa('untrusted CA');
    const cert = other.issue('impostor', 'server');
    const impostor = await httpsShield(cert);
    const { startEdgeWorker } = await import('./edge-worker.ts');
    const fooled = await startEdgeWorker(edgeEnv(impostor));
    try {
      packager.route('/vod/impostor.ts', { body: 'x', headers: { 'cache-control': 'public, max-age=60' } });
      const res = await fooled.fetch('/vod/impostor.ts');
      expect(res.status).toBe(502);
      expect(packager.count('/vod/impostor.ts')).toBe(0);
    } finally {
      await fooled.dispose();
      await impostor.close();
      other.remove();
    }
  });
});
