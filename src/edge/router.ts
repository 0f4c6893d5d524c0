/**
 * The edge's hono apps and their router. `new Hono()` from 'hono' bundles two routers (RegExpRouter
 * plus TrieRouter behind SmartRouter, ~5 KiB of the Worker's 96 KiB gzip budget) to route fast
 * among hundreds of routes; the edge has about thirty, matched once per request.
 *
 * `StrictRouter` is hono's PatternRouter (one RegExp per route, tried in registration order) made to
 * match exactly what RegExpRouter matches for the route shapes the edge uses: PatternRouter lets
 * `/purge` also answer `/purge/`; RegExpRouter (strict routing, hono's default) does not, and
 * neither does this. Shapes: static segments, `:name` segments, and a trailing `/*` (which also
 * matches the bare prefix, as in hono). Anything else throws when the route is added, never per
 * request. test/edge/router.test.ts checks both apps' real route tables against RegExpRouter.
 */

import type { Env } from 'hono';
import { HonoBase } from 'hono/hono-base';
import type { Params, Result, Router } from 'hono/router';

type Route<T> = readonly [pattern: RegExp, method: string, handler: T];

const PARAM_SEGMENT = /^:(\w+)$/;
const STATIC_SEGMENT = /^[\w.-]+$/;
const NO_PARAMS: Params = Object.create(null);

/** @example new StrictRouter().add('GET', '/tenants/:tenant', handler) */
export class StrictRouter<T> implements Router<T> {
  readonly name = 'StrictRouter';
  readonly #routes: Route<T>[] = [];

  add(method: string, path: string, handler: T): void {
    const prefixOnly = path.endsWith('/*');
    const segments = (prefixOnly ? path.slice(0, -2) : path).split('/');
    // Every hono route path starts with '/': the first segment is the empty string before it.
    if (segments.shift() !== '' || (!prefixOnly && segments.length === 0)) throw unsupported(path);
    let source = '^';
    for (const segment of segments) {
      const param = PARAM_SEGMENT.exec(segment);
      if (param) source += `/(?<${param[1]}>[^/]+)`;
      else if (STATIC_SEGMENT.test(segment)) source += `/${segment.replaceAll('.', '\\.')}`;
      else throw unsupported(path);
    }
    this.#routes.push([new RegExp(source + (prefixOnly ? '(?:$|/)' : '$')), method, handler]);
  }

  match(method: string, path: string): Result<T> {
    const handlers: [T, Params][] = [];
    for (const [pattern, routeMethod, handler] of this.#routes) {
      if (routeMethod !== method && routeMethod !== 'ALL') continue;
      const found = pattern.exec(path);
      if (found) handlers.push([handler, found.groups ?? NO_PARAMS]);
    }
    return [handlers];
  }
}

function unsupported(path: string): TypeError {
  return new TypeError(`StrictRouter: unsupported route path ${JSON.stringify(path)}`);
}

/**
 * A hono app on the StrictRouter; everything else is hono's own `Hono` (same base class).
 * @example const app = createHono<EdgeHonoEnv>()
 */
export function createHono<E extends Env>(): HonoBase<E> {
  return new HonoBase<E>({ router: new StrictRouter() });
}
