/**
 * The README's error table is what operators grep when a client shows a code: every edge and shield
 * code must have a row, with the HTTP status the service actually answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShieldError, type ShieldErrorCode, toResponse } from '../../origin/errors.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { EDGE_ERROR_CODES, edgeErrorMapping } from '../../src/edge/errors.ts';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** `| \`CODE\` | 403 | …` → '403', or the cell as written ("403 or 451", "(400, never sent)"). */
function documentedStatus(code: string): string | undefined {
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
  return row?.split('|')[2]?.trim();
}

/** Whether the README row of `code` names `status` (some codes document a choice of two). */
const documents = (code: string, status: number) =>
  new RegExp(`(^|\\D)${status}(\\D|$)`).test(documentedStatus(code) ?? '');

describe('README error table', () => {
  it('lists every edge code with the status the edge answers', () => {
    const wrong = EDGE_ERROR_CODES.filter((code) => !documents(code, edgeErrorMapping(code).status)).map(
      (code) => `${code}: README ${documentedStatus(code)}, edge ${edgeErrorMapping(code).status}`,
    );
    expect(wrong).toEqual([]);
  });

  it('lists every shield code with the status the shield answers', () => {
    const source = readFileSync(join(REPO_ROOT, 'origin/errors.ts'), 'utf8');
    const codes = [...new Set(source.match(/SHIELD_ERR_[A-Z_]+/g))] as ShieldErrorCode[];
    expect(codes.length).toBeGreaterThan(10);
    const wrong = codes
      .map((code) => ({ code, status: toResponse(new ShieldError(code, 'x')).status }))
      .filter(({ code, status }) => !documents(code, status))
      .map(({ code, status }) => `${code}: README ${documentedStatus(code)}, shield ${status}`);
    expect(wrong).toEqual([]);
  });
});
