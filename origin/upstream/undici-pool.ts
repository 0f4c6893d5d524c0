/**
 * undici's `Pool` without the rest of undici. `import { Pool } from 'undici'` evaluates undici's whole
 * index: fetch, WebSocket, EventSource, the mock agents, the cache stores, every interceptor — ~6 MiB
 * of heap and code held by every shield worker that uses none of it (README "CPU per hit and memory
 * per worker"). This loads the two files the shield needs and attaches the request API the way
 * undici's own index.js does (`Object.assign(Dispatcher.prototype, api)`), so `pool.request` is the
 * same function. It relies on undici's file layout (`lib/dispatcher/pool.js`, `lib/dispatcher/
 * dispatcher.js`, `lib/api/index.js`; undici 8 has no `exports` map to forbid it), so undici stays
 * pinned exactly in package.json; test/shield/upstream.test.ts and every miss test go through it.
 * Must not load anything else from undici.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js') as object);

/** undici's `Pool` class (its types are the package's). */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
/** An instance of `Pool`. */
export type Pool = UndiciPool;
