/**
 * k6 duration strings ("500ms", "30s", "1m30s", "2h") → milliseconds. Pure; returns undefined on
 * anything else instead of throwing, so callers can name the offending option.
 */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * @example parseDuration('1m30s') // 90000
 * @example parseDuration('fast') // undefined
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '0') return trimmed === '0' ? 0 : undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match !== null; match = PART.exec(trimmed)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  return consumed === trimmed.length && Number.isFinite(total) ? total : undefined;
}

/** Like parseDuration, but throws a TypeError naming the option (for scenario validation). */
export function durationMs(option: string, text: string | number): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new TypeError(`${option}: expected a duration like "30s", got ${JSON.stringify(text)}`);
  return ms;
}
