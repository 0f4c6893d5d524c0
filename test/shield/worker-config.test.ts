/** workerConfig: a cluster worker's share of the host-wide bounds (origin/cluster/worker-config.ts). */
import { describe, expect, it } from 'vitest';
import { workerConfig } from '../../origin/cluster/worker-config.ts';
import { parseShieldConfig, type ShieldConfig } from '../../origin/config.ts';

const host = (env: Record<string, string>): ShieldConfig => {
  const r = parseShieldConfig({ SHIELD_SHARED_SECRET: 's', ...env });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const identity = { slot: 3, secret: 'peer', port: undefined };

describe('workerConfig', () => {
  it('gives each of 32 workers an in-flight share that fits the largest object, so a 10 MB segment can be cached', () => {
    // Defaults: 256 MiB in flight / 32 = 8 MiB, below the 32 MiB largest object.
    const own = workerConfig(host({ SHIELD_WORKERS: '32' }), identity);
    expect(own.inflightBytes).toBe(32 * 1024 * 1024);
    expect(own.inflightBytes).toBeGreaterThanOrEqual(10_000_000);
    expect(own.cacheBytes).toBe(Math.floor(4294967296 / 32));
    expect(own.cacheBytes).toBeGreaterThanOrEqual(own.maxObjectBytes);
  });

  it('keeps 1/N of SHIELD_INFLIGHT_BYTES when that share is larger than the largest object', () => {
    const own = workerConfig(
      host({ SHIELD_WORKERS: '2', SHIELD_INFLIGHT_BYTES: String(1024 * 1024 * 1024) }),
      identity,
    );
    expect(own.inflightBytes).toBe(512 * 1024 * 1024);
  });
});
