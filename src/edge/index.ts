/**
 * The edge Worker entry: the only default export and the only reader of `env`.
 *
 * Parses configuration once per isolate and builds the app with the platform's facts
 * (`caches.default`, `fetch`, `Date.now`). With bad configuration every request answers
 * 500 EDGE_ERR_CONFIG and the issues are logged once per isolate, not once per request.
 */
import type { Hono } from 'hono';
import { createApp, createConfigErrorApp } from './app.ts';
import { type EdgeEnv, formatConfigIssue, parseEdgeConfig } from './config.ts';
import type { EdgeHonoEnv } from './context.ts';

// Per-isolate state: env is fixed for an isolate's lifetime, so parsing it once is safe.
let app: Hono<EdgeHonoEnv> | undefined;

function appFor(env: EdgeEnv): Hono<EdgeHonoEnv> {
  if (app) return app;
  const parsed = parseEdgeConfig(env);
  if (parsed.ok) {
    app = createApp({
      config: parsed.value,
      cache: caches.default,
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
    });
  } else {
    console.error(
      JSON.stringify({
        level: 'error',
        code: 'EDGE_ERR_CONFIG',
        issues: parsed.error.map(formatConfigIssue),
      }),
    );
    app = createConfigErrorApp();
  }
  return app;
}

export default {
  fetch(request, env, ctx) {
    // No env goes into hono: handlers get config through their factories, never raw bindings.
    return appFor(env).fetch(request, {}, ctx);
  },
} satisfies ExportedHandler<EdgeEnv>;
