/**
 * A tiny structured logger: one JSON object per line (ts, level, msg, fields).
 *
 * Writes through an injected sink so tests can capture or silence it. Must not format errors for
 * clients: stacks go to logs only (see `errorFields`).
 */

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
}

/**
 * Creates a logger that drops lines below `level`.
 *
 * @example createLogger('info', (line) => process.stdout.write(line)).info('listening', { port: 8081 })
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void,
  now: () => number = Date.now,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields): void => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    write(`${JSON.stringify({ ts: new Date(now()).toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
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
