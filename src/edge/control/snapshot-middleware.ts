/**
 * Brings the per-isolate copy of the control store within its staleness bound before auth, geo and
 * playlist rewriting read it (runtime.ts), and exposes it as `c.var.control`. One await of an
 * in-memory value on almost every request; a store read only when the copy has aged.
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeHonoEnv } from '../context.ts';
import type { ControlRuntime } from './runtime.ts';

/** @example app.use(controlSnapshot(runtime)) */
export function controlSnapshot(runtime: ControlRuntime): MiddlewareHandler<EdgeHonoEnv> {
  return async function controlSnapshot(c, next) {
    const waitUntil = (p: Promise<unknown>) => {
      try {
        c.executionCtx.waitUntil(p);
      } catch {
        // No execution context (app.request in tests): the reload still completes on its own.
      }
    };
    c.set('control', await runtime.current(waitUntil));
    await next();
  };
}
