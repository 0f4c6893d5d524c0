/**
 * Command-line parsing for the bench commands: node:util parseArgs, but bad usage (an unknown
 * option, a missing value) prints the problem and the usage and exits 64 instead of a stack.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** @example const { values } = parseCliArgs('bench:webrtc', USAGE, { options: { viewers: { type: 'string' } } }); */
export function parseCliArgs<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    process.stderr.write(`${command}: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    process.exit(64);
  }
}
