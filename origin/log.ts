/**
 * Structured JSON logs through pino: one object per line (`level`, `ts`, `msg`, fields).
 *
 * Writes through an injected sink so tests can capture or silence it. Callers on the hit path check
 * `enabled(level)` before building fields, so a disabled level costs one comparison. Must not format
 * errors for clients: stacks go to logs only (see `errorFields`).
 */
import { pino } from 'pino';

/** Levels in increasing severity; `silent` disables output. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Fields = Readonly<Record<string, unknown>>;

/** Structured logger used across the shield. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Whether lines at `level` are written (skip building fields when not). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/**
 * Creates a pino-backed logger that drops lines below `level`.
 *
 * @example createLogger('info', (line) => process.stdout.write(line)).info('listening', { port: 8081 })
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void,
  now: () => number = Date.now,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const p = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    enabled: (lvl) => LOG_LEVELS.indexOf(lvl) >= threshold,
  };
}

/** A logger that discards everything (tests, embedding). */
export const silentLogger: Logger = createLogger('silent', () => {});

/**
 * Log fields for an error, following its `cause` chain (bounded) and keeping `code` and stack.
 *
 * @example logger.error('request failed', errorFields(e))
 */
export function errorFields(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  const fields: Record<string, unknown> = {
    error: error.message,
    errorName: error.name,
    ...(code === undefined ? {} : { errorCode: code }),
    stack: error.stack,
  };
  if (error.cause !== undefined && depth < 3) fields.cause = errorFields(error.cause, depth + 1);
  return fields;
}
