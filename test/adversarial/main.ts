/**
 * `npm run test:adversarial`: every adversarial category at full scale with one seed, then the table
 * README "Security and reliability" publishes. Exit 1 when any category misses its goal of 0.
 *   --seed N      (default 14)  same seed, same inputs
 *   --only NAME   run the categories whose key contains NAME (tokens, forgeries, playlists, …)
 * Starts what it needs itself (shield in process, packager and shield as processes, workerd through
 * Miniflare) on loopback ports, and stops it all before printing.
 */
import { parseArgs } from 'node:util';
import { CATEGORIES, runCategories } from './categories.ts';
import { failures, formatTable } from './report.ts';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '14' }, only: { type: 'string' } },
});
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed)) throw new TypeError(`--seed: expected an integer, got ${values.seed}`);
const selected = CATEGORIES.filter((c) => values.only === undefined || c.key.includes(values.only));
const rows = await runCategories(selected, 'full', seed, (key, ms) =>
  process.stderr.write(`${key} done in ${(ms / 1000).toFixed(1)} s\n`),
);
process.stdout.write(formatTable(rows, seed));
process.exitCode = failures(rows).length === 0 ? 0 : 1;
