/**
 * Which stack a bench run uses (issue 7): probe answers → target, running local stack, or private.
 * Pure; no sockets.
 */
import { describe, expect, it } from 'vitest';
import { chooseStackMode, localStackUrls, needsProbe, targetRefusal } from '../../../bench/lib/stack-mode.ts';

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

describe('catalogue and target refusal', () => {
  it('starts a private stack when the running stack does not serve the catalogue, never writing to it', () => {
    const mode = chooseStackMode({ local, probe: up, catalogue: { titles: 200, served: false } });
    expect(mode.kind).toBe('private');
    expect(mode.message).toContain('/cat/t0000…/cat/t0199');
    expect(mode.message).toContain('never writes into its media root');
    expect(chooseStackMode({ local, probe: up, catalogue: { titles: 200, served: true } }).kind).toBe(
      'local',
    );
  });

  it('stops on a 401 to an unsigned probe and tells how to sign', () => {
    const why = targetRefusal({
      edge: 'http://127.0.0.1:8787',
      path: '/vod/ts/master.m3u8',
      status: 401,
      signed: false,
    });
    expect(why).toContain('requires viewer tokens');
    expect(why).toContain('--sign-keys');
  });

  it('stops on a 401 or 403 to a signed probe: wrong keys', () => {
    for (const status of [401, 403]) {
      const why = targetRefusal({ edge: 'http://127.0.0.1:8787', path: '/x.m3u8', status, signed: true });
      expect(why).toContain('refused the bench');
    }
  });

  it("lets every other answer through (a 404 or a geo 403 is the scenario's business)", () => {
    expect(targetRefusal({ edge: 'e', path: '/p', status: 200, signed: false })).toBeUndefined();
    expect(targetRefusal({ edge: 'e', path: '/p', status: 404, signed: true })).toBeUndefined();
    expect(targetRefusal({ edge: 'e', path: '/p', status: 403, signed: false })).toBeUndefined();
  });
});
