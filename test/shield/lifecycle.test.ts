/** Shield shutdown: close() lets in-flight requests finish, then stops accepting connections. */
import { describe, expect, it } from 'vitest';
import { IMMUTABLE, send, startPair } from './helpers.ts';

describe('shield close', () => {
  it('lets an in-flight request finish before resolving and then refuses new connections', async () => {
    const pair = await startPair();
    pair.upstream.route('/slow.ts', { body: 'done', headers: IMMUTABLE, delayMs: 1000 });
    const inFlight = send(pair.shield.url, '/slow.ts');
    // In flight for certain: the shield has accepted it and asked the packager (a fixed wait could
    // close the listener before a loaded machine even connected).
    while (pair.upstream.count('/slow.ts') === 0) await new Promise((r) => setTimeout(r, 10));
    await pair.shield.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('done');
    await expect(send(pair.shield.url, '/slow.ts')).rejects.toThrow();
    await pair.upstream.close();
  });
});
