/** The shield process (`node origin/main.ts`): refuses bad config, shuts down cleanly on SIGTERM. */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, runShield as run, waitFor } from './process.ts';

afterEach(killAll);

describe('shield process', () => {
  it('exits 2 without listening and names SHIELD_PORT when it is not a port number', async () => {
    const p = run({ SHIELD_PORT: 'abc' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('SHIELD_PORT: expected an integer from 0 to 65535, got "abc"');
    expect(p.output()).not.toContain('listening');
  });

  it('refuses to start without the edge credential unless SHIELD_AUTH=off says so', async () => {
    const p = run({ SHIELD_PORT: '0' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('SHIELD_SHARED_SECRET: expected the edge');
    expect(p.output()).not.toContain('listening');
  });

  it('exits 0 after SIGTERM once it has started listening', async () => {
    const p = run({ SHIELD_PORT: '0', SHIELD_UPSTREAMS: 'http://127.0.0.1:9', SHIELD_SHARED_SECRET: 's' });
    // A cold start of a primary and its workers: about a second idle, many on a loaded CI box.
    await waitFor(() => p.output().includes('"msg":"listening"'), 30_000);
    const url = /"url":"([^"]+)"/.exec(p.output())?.[1] ?? '';
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('"msg":"stopped"');
  }, 60_000);
});
