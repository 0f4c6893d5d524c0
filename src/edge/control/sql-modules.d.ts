/**
 * `*.sql` files import as their text (wrangler's default module rules; test/edge/edge-worker.ts gives
 * esbuild the same loader), so the Worker applies the migration files themselves, not a copy.
 */
declare module '*.sql' {
  const text: string;
  export default text;
}
