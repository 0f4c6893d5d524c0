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
import { API_PREFIX, apiUnavailable, createControlApi } from './control/api.ts';
import type { ControlHonoEnv } from './control/context.ts';
import { type ControlRuntime, createControlRuntime } from './control/runtime.ts';
import { createSchemaGate } from './control/store.ts';
import { egressSinks } from './egress/bindings.ts';
import { createLedgerConsumer } from './egress/consumer.ts';
import { createEgressWriter } from './egress/sinks.ts';

/** env: the string vars plus the optional egress bindings (absent binding = that sink off). */
interface WorkerEnv extends EdgeEnv {
  readonly EGRESS_QUEUE?: Queue;
  readonly EGRESS?: AnalyticsEngineDataset;
  readonly LEDGER?: D1Database;
  /** Purge records every isolate and colo reads (routes/purge.ts); absent: purge unavailable. */
  readonly PURGE_LOG?: KVNamespace;
  /** The control-plane store (issue 15); absent: no operator API, wrangler.toml config only. */
  readonly CONTROL?: D1Database;
}

// Per-isolate state: env is fixed for an isolate's lifetime, so parsing it once is safe.
let app: Hono<EdgeHonoEnv> | undefined;
/** The operator API: undefined without a CONTROL binding, or while configuration is invalid. */
let api: Hono<ControlHonoEnv> | undefined;
let configErrorApp: Hono<EdgeHonoEnv> | undefined;

function appFor(env: WorkerEnv): Hono<EdgeHonoEnv> {
  if (app) return app;
  const parsed = parseEdgeConfig(env, { controlStore: env.CONTROL !== undefined });
  if (parsed.ok) {
    let control: ControlRuntime | undefined;
    if (env.CONTROL) {
      const schema = createSchemaGate(env.CONTROL);
      control = createControlRuntime({
        db: env.CONTROL,
        schema,
        ttlS: parsed.value.control.cacheTtlS,
        now: () => Date.now(),
        staticGeoRules: parsed.value.geo.rules,
      });
      api = createControlApi(
        {
          db: env.CONTROL,
          config: parsed.value.control,
          now: () => Date.now(),
          tokenParam: parsed.value.auth.tokenParam,
        },
        schema,
        env.LEDGER,
      );
    }
    app = createApp({
      config: parsed.value,
      cache: caches.default,
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      egressWriter: createEgressWriter(egressSinks(env, parsed.value.egress)),
      ...(env.EGRESS_QUEUE === undefined ? {} : { egressQueue: env.EGRESS_QUEUE }),
      ...(env.PURGE_LOG === undefined ? {} : { purgeStore: env.PURGE_LOG }),
      ...(control ? { control } : {}),
    });
  } else {
    console.error(
      JSON.stringify({
        level: 'error',
        code: 'EDGE_ERR_CONFIG',
        issues: parsed.error.map(formatConfigIssue),
      }),
    );
    app = configErrorApp = createConfigErrorApp();
  }
  return app;
}

// Per-isolate: the consumer creates the ledger table once per isolate.
const ledgerConsumer = createLedgerConsumer();

export default {
  async queue(batch, env) {
    // Egress records → D1 ledger. Without a LEDGER binding the messages are retried, not lost.
    if (!env.LEDGER) {
      console.error(JSON.stringify({ level: 'error', event: 'egress-ledger-missing', binding: 'LEDGER' }));
      batch.retryAll();
      return;
    }
    await ledgerConsumer.consume(batch, env.LEDGER);
  },
  fetch(request, env, ctx) {
    // No env goes into hono: handlers get config through their factories, never raw bindings.
    const viewer = appFor(env);
    // /api/ is the operator API's (control/api.ts); with bad config the viewer app's 500 answers it too.
    if (new URL(request.url).pathname.startsWith(API_PREFIX) && viewer !== configErrorApp)
      return api ? api.fetch(request, {}, ctx) : apiUnavailable();
    return viewer.fetch(request, {}, ctx);
  },
} satisfies ExportedHandler<WorkerEnv>;
