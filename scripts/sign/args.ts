/**
 * Argument fix-ups for the signing CLI, before node:util parseArgs sees argv. Pure: no I/O, never
 * reads process.argv itself.
 */

/** A whole number, negative included: `-60`, `3600`. */
const INTEGER = /^-?\d+$/;

/**
 * Joins `--name <number>` into `--name=<number>` for the given options. parseArgs reads a value that
 * starts with `-` as an option and stops with "argument is ambiguous", so `--ttl -60` (an already
 * expired token) would fail where `--ttl=-60` works. Anything that is not a number is left alone.
 *
 * @example joinNumericValues(['/x', '--ttl', '-60'], ['ttl']) // ['/x', '--ttl=-60']
 */
export function joinNumericValues(args: readonly string[], names: readonly string[]): string[] {
  const flags = new Set(names.map((n) => `--${n}`));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const next = args[i + 1];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (flags.has(arg) && next !== undefined && INTEGER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
