/**
 * Instants and periods as finance and operators type them. Pure: no clock.
 */

/**
 * `YYYY-MM-DD` (UTC midnight), an ISO 8601 time with a zone (`2026-12-01T10:00:00Z`), or epoch ms.
 *
 * @example parseInstant('2026-12-01') // Date.UTC(2026, 11, 1)
 */
export function parseInstant(value: string): number | undefined {
  if (/^\d{10,15}$/.test(value)) return Number(value);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (!date && !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(date ? `${value}T00:00:00Z` : value);
  // Date.parse rolls 2026-02-30 over to March; a date that does not round-trip is refused.
  if (Number.isNaN(ms) || (date && new Date(ms).toISOString().slice(0, 10) !== value)) return undefined;
  return ms;
}

/** @example monthRange('2026-12') // { fromMs: Date.UTC(2026, 11, 1), toMs: Date.UTC(2027, 0, 1) } */
export function monthRange(month: string): { fromMs: number; toMs: number } | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return undefined;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { fromMs: Date.UTC(year, index, 1), toMs: Date.UTC(year, index + 1, 1) };
}
