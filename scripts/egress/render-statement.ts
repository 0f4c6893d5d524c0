/**
 * A tenant's monthly statement as CSV (for finance systems) or a self-contained printable HTML page
 * (to send). Pure: a Statement in, text out.
 */
import type { Statement, StatementLine } from '../../src/core/ledger/statement.ts';

const SECTIONS = [
  ['region', 'byRegion', 'Delivery by pricing region'],
  ['day', 'byDay', 'Delivery by day (UTC)'],
  ['network', 'byNetwork', 'Delivery by viewer network'],
  ['content', 'byContent', 'Top content'],
] as const;

function cell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Long format: `tenant,month,section,key,requests,bytes,gb,cost,currency`, the total first. */
export function renderStatementCsv(s: Statement): string {
  const rows = [['tenant', 'month', 'section', 'key', 'requests', 'bytes', 'gb', 'cost', 'currency']];
  const add = (section: string, l: StatementLine) =>
    rows.push([
      s.tenant,
      s.month,
      section,
      l.key,
      String(l.requests),
      String(l.bytes),
      l.gb.toFixed(6),
      l.cost.toFixed(6),
      s.currency,
    ]);
  add('total', s.total);
  for (const [section, field] of SECTIONS) for (const l of s[field]) add(section, l);
  return `${rows.map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function tableHtml(title: string, lines: readonly StatementLine[], currency: string): string {
  const body = lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.key)}</td><td>${l.requests}</td><td>${l.bytes}</td><td>${l.gb.toFixed(3)}</td><td>${l.cost.toFixed(2)} ${escapeHtml(currency)}</td></tr>`,
    )
    .join('');
  return `<h2>${escapeHtml(title)}</h2><table><thead><tr><th>${title.split(' ').pop()}</th><th>requests</th><th>bytes</th><th>GB</th><th>cost</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** One printable page: header with tenant, period and the amount, then the breakdowns. */
export function renderStatementHtml(s: Statement): string {
  const sections = SECTIONS.map(([, field, title]) => tableHtml(title, s[field], s.currency)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statement ${escapeHtml(s.tenant)} ${s.month}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
.amount{font-size:1.6em;font-weight:600}@media print{body{margin:0}}</style></head>
<body>
<h1>Delivery statement — ${escapeHtml(s.tenant)}</h1>
<p>Period ${s.from.slice(0, 10)} to ${s.to.slice(0, 10)} (UTC, end exclusive) · prices: ${escapeHtml(s.priceTable)} · 1 GB = ${s.bytesPerGB} bytes</p>
<p class="amount">${s.total.cost.toFixed(2)} ${escapeHtml(s.currency)}</p>
<p>${s.total.requests} requests, ${s.total.bytes} bytes (${s.total.gb.toFixed(3)} GB) delivered to viewers by the edge.</p>
${sections}
</body></html>
`;
}
