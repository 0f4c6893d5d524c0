/**
 * The edge's StrictRouter (src/edge/router.ts) routes every request exactly as hono's default router
 * (SmartRouter over RegExpRouter and TrieRouter) would: same handlers, same order, same params, for
 * the real route tables of the viewer app, the config-error app and the operator API, over every
 * path built from their segments (trailing and doubled slashes, encoded and wildcard characters).
 */
import { Hono } from 'hono';
import type { Result, Router } from 'hono/router';
import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../src/edge/config.ts';
import { type ControlDb, createControlRuntime } from '../../src/edge/control/runtime.ts';
import { StrictRouter } from '../../src/edge/router.ts';

interface RoutedApp {
  readonly routes: readonly { readonly method: string; readonly path: string }[];
}
interface AppModules {
  readonly createApp: (deps: Record<string, unknown>) => RoutedApp;
  readonly createConfigErrorApp: () => RoutedApp;
  readonly createControlApi: (deps: Record<string, unknown>, schema: unknown) => RoutedApp;
}

/**
 * The app modules compile against workers-types (src/edge/tsconfig.json), this file against Node and
 * DOM (tsconfig.json): importing them by URL keeps their D1 types out of this file's program.
 */
async function appModules(): Promise<AppModules> {
  const load = (path: string) => import(new URL(`../../src/edge/${path}`, import.meta.url).href);
  return { ...(await load('app.ts')), ...(await load('control/api.ts')) };
}

/** Never queried: building the apps registers routes only. */
const db: ControlDb = {
  prepare: () => {
    throw new Error('the route table test reads no store');
  },
  batch: () => Promise.reject(new Error('the route table test reads no store')),
};

async function realApps() {
  const { createApp, createConfigErrorApp, createControlApi } = await appModules();
  const parsed = parseEdgeConfig(
    { SHIELD_URLS: 'http://127.0.0.1:8081', AUTH_MODE: 'off', RTC_URLS: 'http://127.0.0.1:8090' },
    { controlStore: true },
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const config = parsed.value;
  const schema = { ready: async () => {} };
  const now = () => 0;
  const control = createControlRuntime({ db, schema, ttlS: 5, now, staticGeoRules: config.geo.rules });
  return {
    viewer: createApp({ config, cache: {}, fetch, now, control }),
    configError: createConfigErrorApp(),
    api: createControlApi({ db, config: config.control, now, tokenParam: 'token' }, schema),
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Every path of up to three segments over the routes' own segments plus awkward ones. */
function pathsFor(routes: readonly { readonly path: string }[]): string[] {
  const alphabet = new Set(['', '*', 'x', 'a.b', 'a%2Fb', ':tenant', 'tenant', 'API', 'v1x']);
  for (const { path } of routes) for (const segment of path.split('/')) alphabet.add(segment);
  const words = [...alphabet];
  const paths = new Set<string>(['/']);
  let level = [''];
  for (let depth = 0; depth < 3; depth++) {
    level = level.flatMap((prefix) => words.map((word) => `${prefix}/${word}`));
    for (const p of level) {
      paths.add(p);
      paths.add(`${p}/`);
      paths.add(`/api/v1${p}`);
      paths.add(`/api/v1/tenants/t1${p}`);
    }
  }
  return [...paths];
}

/** Handler indices and params by name, whichever of hono's two result shapes a router returns. */
function normalized(result: Result<number>): string {
  const [matches, stash] = result;
  return JSON.stringify(
    matches.map(([handler, params]) => [
      handler,
      Object.entries(params)
        .map(([name, value]) => [name, stash ? stash[value as number] : value])
        // Handlers read params by name; only the object's key order may differ.
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ]),
  );
}

describe('StrictRouter', async () => {
  const apps = await realApps();
  for (const [name, app] of Object.entries(apps)) {
    it(`routes the ${name} app exactly as hono's default router`, () => {
      const strict = new StrictRouter<number>();
      const reference = new Hono().router as unknown as Router<number>;
      app.routes.forEach(({ method, path }, index) => {
        strict.add(method, path, index);
        reference.add(method, path, index);
      });
      expect(app.routes.length).toBeGreaterThanOrEqual(3);
      const paths = pathsFor(app.routes);
      expect(paths.length).toBeGreaterThan(1000);
      const differences: string[] = [];
      for (const path of paths) {
        for (const method of METHODS) {
          const want = normalized(reference.match(method, path));
          const got = normalized(strict.match(method, path));
          if (got !== want) differences.push(`${method} ${path}: hono ${want}, strict ${got}`);
        }
      }
      expect(differences.slice(0, 10)).toEqual([]);
    });
  }

  it('refuses route shapes it cannot match like RegExpRouter when the route is added', () => {
    const router = new StrictRouter<number>();
    for (const path of ['/a/:id{[0-9]+}', '/a/:id?', '/a*', '/a/*/b', '/a/', '/']) {
      expect(() => router.add('GET', path, 0), path).toThrow(TypeError);
    }
  });
});
