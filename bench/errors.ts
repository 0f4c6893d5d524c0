/**
 * Bench failures the CLI maps to exit codes (bench/cli.ts): a usage error (1) and a target that
 * refused the bench's viewers before any load was sent (EXIT_TARGET_REFUSED). Messages are for the
 * operator: they say what happened and what to do. No I/O here.
 */

export type BenchErrorCode = 'BENCH_ERR_USAGE' | 'BENCH_ERR_TARGET_REFUSED';

export class BenchError extends Error {
  readonly code: BenchErrorCode;
  constructor(code: BenchErrorCode, message: string) {
    super(message);
    this.name = 'BenchError';
    this.code = code;
  }
}

/** A flag or its value cannot work (missing key file, …). */
export class BenchUsageError extends BenchError {
  constructor(message: string) {
    super('BENCH_ERR_USAGE', message);
  }
}

/** The target answered the probe with 401/403 (see lib/stack-mode.ts targetRefusal). */
export class BenchTargetRefusedError extends BenchError {
  constructor(message: string) {
    super('BENCH_ERR_TARGET_REFUSED', message);
  }
}
