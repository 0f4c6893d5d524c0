/**
 * Which stack a bench run uses (issue 7): probe answers → target, running local stack, or private.
 * Pure; no sockets.
 */
import { describe, expect, it } from 'vitest';
import { chooseStackMode, localStackUrls, needsProbe } from '../../../bench/lib/stack-mode.ts';

const local = localStackUrls({});
const up = { edge: true, shield: true, packager: true };
const down = { edge: false, shield: false, packager: false };

describe('bench stack mode', () => {
  it('reads npm start defaults and the same env overrides as scripts/dev.ts', () => {
    expect(local).toEqual({
      edge: 'http://127.0.0.1:8787',
      shield: 'http://127.0.0.1:8081',
      packager: 'http://127.0.0.1:8080',
    });
    expect(localStackUrls({ EDGE_PORT: '9001', SHIELD_PORT: '', PACKAGER_PORT: '9003' })).toEqual({
      edge: 'http://127.0.0.1:9001',
      shield: 'http://127.0.0.1:8081',
      packager: 'http://127.0.0.1:9003',
    });
    expect(() => localStackUrls({ EDGE_PORT: 'x' })).toThrow(/EDGE_PORT/);
  });

  it('uses the running local stack when its edge answers', () => {
    const mode = chooseStackMode({ local, probe: up });
    expect(mode).toMatchObject({ kind: 'local', edge: 'http://127.0.0.1:8787' });
    expect(mode.message).toBe('using the running local stack at http://127.0.0.1:8787');
    const partial = chooseStackMode({ local, probe: { edge: true, shield: false, packager: false } });
    expect(partial.kind).toBe('local');
    expect(partial.message).toContain('shield and packager did not answer');
  });

  it('starts a private stack when the edge does not answer, even if the rest does', () => {
    expect(chooseStackMode({ local, probe: down })).toEqual({
      kind: 'private',
      message: 'no local stack running: starting a private one',
    });
    expect(chooseStackMode({ local, probe: { edge: false, shield: true, packager: true } }).kind).toBe(
      'private',
    );
    expect(chooseStackMode({ local }).kind).toBe('private');
  });

  it('--target wins; --private-stack and scenarios that need their own stack skip the probe', () => {
    const target = 'http://127.0.0.1:9999';
    expect(chooseStackMode({ local, target, probe: down })).toMatchObject({ kind: 'target', edge: target });
    expect(needsProbe({ local, target })).toBe(false);
    expect(needsProbe({ local, forcePrivate: true })).toBe(false);
    expect(needsProbe({ local, scenarioPrivate: 'needs counters' })).toBe(false);
    expect(needsProbe({ local })).toBe(true);
    expect(chooseStackMode({ local, forcePrivate: true, probe: up }).kind).toBe('private');
    expect(chooseStackMode({ local, scenarioPrivate: 'needs counters', probe: up }).message).toBe(
      'needs counters: starting a private one',
    );
  });
});
