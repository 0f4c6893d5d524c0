/**
 * Command-line parsing for our CLIs: node:util parseArgs, but bad usage (an unknown option, a missing
 * value) prints the problem and the usage and exits (64, EX_USAGE, unless the command documents
 * another code) instead of throwing a stack at an operator.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** @example const { values } = parseCliArgs('bench:webrtc', USAGE, { options: { viewers: { type: 'string' } } }); */
export function parseCliArgs<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
  usageExitCode = 64,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    process.stderr.write(`${command}: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    process.exit(usageExitCode);
  }
}
