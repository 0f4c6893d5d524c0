/**
 * The hono environment type shared by the edge app, its middleware and routes.
 *
 * `Bindings` is deliberately empty: index.ts is the only reader of the Worker `env` and passes parsed
 * config to factories as arguments, so no handler can reach a raw binding.
 */

export interface EdgeVariables {
  /** The normalised request path, set by the path guard before anything else reads the path. */
  path: string;
}

export interface EdgeHonoEnv {
  Bindings: Record<string, never>;
  Variables: EdgeVariables;
}
