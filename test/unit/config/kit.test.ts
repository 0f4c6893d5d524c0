/**
 * The config-issue kit (src/core/config): every service's parser reports bad settings through these
 * readers, so an operator reads the same `KEY: expected …, got …` line from the edge, the shield,
 * the packager and `npm run doctor`.
 */
import { describe, expect, it } from 'vitest';
import { alternatives, type ConfigIssue, formatConfigIssue, shown } from '../../../src/core/config/issue.ts';
import { readInteger, readList, readOneOf, readOnOff } from '../../../src/core/config/read.ts';
import { parseBaseUrl, parseCorsOrigin } from '../../../src/core/config/url.ts';

const lines = (issues: ConfigIssue[]) => issues.map(formatConfigIssue);

describe('issue lines', () => {
  it('writes key, expectation and the found value quoted', () => {
    expect(formatConfigIssue({ key: 'SHIELD_PORT', expected: 'an integer', got: shown('abc') })).toBe(
      'SHIELD_PORT: expected an integer, got "abc"',
    );
  });

  it('says "nothing" for a missing value and cuts a long one', () => {
    expect(shown(undefined)).toBe('nothing');
    const long = shown('x'.repeat(500));
    expect(long.length).toBe(80);
    expect(long.endsWith('…')).toBe(true);
  });

  it('lists alternatives the way a sentence does', () => {
    expect(alternatives(['on', 'off'])).toBe('"on" or "off"');
    expect(alternatives(['a', 'b', 'c'])).toBe('"a", "b" or "c"');
  });
});

describe('readInteger', () => {
  it('accepts a whole number inside the bounds, space around it ignored', () => {
    const issues: ConfigIssue[] = [];
    expect(readInteger(' 8081 ', { key: 'PORT', min: 0, max: 65535 }, issues)).toBe(8081);
    expect(issues).toEqual([]);
  });

  it('names the unit and the bounds when a value is out of range or not a number', () => {
    const issues: ConfigIssue[] = [];
    readInteger('10s', { key: 'TIMEOUT_MS', min: 1, max: 300000, unit: 'milliseconds' }, issues);
    readInteger('65536', { key: 'PORT', min: 0, max: 65535 }, issues);
    readInteger('-1', { key: 'BYTES', min: 0, max: Number.MAX_SAFE_INTEGER }, issues);
    readInteger('1.5', { key: 'N', min: 0, max: 9 }, issues);
    expect(lines(issues)).toEqual([
      'TIMEOUT_MS: expected an integer number of milliseconds from 1 to 300000, got "10s"',
      'PORT: expected an integer from 0 to 65535, got "65536"',
      'BYTES: expected an integer of at least 0, got "-1"',
      'N: expected an integer from 0 to 9, got "1.5"',
    ]);
  });

  it('refuses a number too large to be exact', () => {
    const issues: ConfigIssue[] = [];
    readInteger('9007199254740993', { key: 'B', min: 0, max: Number.MAX_SAFE_INTEGER }, issues);
    expect(issues).toHaveLength(1);
  });
});

describe('readOnOff and readOneOf', () => {
  it('reads on and off in any case', () => {
    const issues: ConfigIssue[] = [];
    expect(readOnOff('ON', 'X', issues)).toBe(true);
    expect(readOnOff(' off', 'X', issues)).toBe(false);
    expect(issues).toEqual([]);
  });

  it('names the switch and the two words when given anything else', () => {
    const issues: ConfigIssue[] = [];
    readOnOff('yes', 'COMPRESS_PLAYLISTS', issues);
    expect(lines(issues)).toEqual(['COMPRESS_PLAYLISTS: expected "on" or "off", got "yes"']);
  });

  it('returns the allowed word, or names every allowed word', () => {
    const issues: ConfigIssue[] = [];
    const allowed = ['required', 'off'] as const;
    expect(readOneOf(' off ', { key: 'AUTH_MODE', allowed: [...allowed] }, issues)).toBe('off');
    expect(readOneOf('Off', { key: 'AUTH_MODE', allowed: [...allowed] }, issues)).toBe('required');
    expect(lines(issues)).toEqual(['AUTH_MODE: expected "required" or "off", got "Off"']);
  });
});

describe('readList', () => {
  const urls = { key: 'SHIELD_URLS', min: 1, what: 'a comma-separated list of URLs', parse: parseBaseUrl };

  it('drops empty elements and parses the rest', () => {
    const issues: ConfigIssue[] = [];
    expect(readList('https://a.example/, ,http://b.example:81/s/', urls, issues)).toEqual([
      'https://a.example',
      'http://b.example:81/s',
    ]);
    expect(issues).toEqual([]);
  });

  it('names the element that is wrong by its index', () => {
    const issues: ConfigIssue[] = [];
    readList('https://a.example,ftp://b.example,https://u:p@c.example', urls, issues);
    expect(lines(issues)).toEqual([
      'SHIELD_URLS[1]: expected absolute http(s) URL without query or fragment, got "ftp://b.example"',
      'SHIELD_URLS[2]: expected absolute http(s) URL without credentials, got "https://u:p@c.example"',
    ]);
  });

  it('refuses a list with fewer elements than required', () => {
    const issues: ConfigIssue[] = [];
    expect(readList(' , ', urls, issues)).toEqual([]);
    expect(lines(issues)).toEqual(['SHIELD_URLS: expected a comma-separated list of URLs, got " , "']);
  });
});

describe('parseCorsOrigin', () => {
  it('accepts * and exact origins only', () => {
    expect(parseCorsOrigin('*')).toEqual({ value: '*' });
    expect(parseCorsOrigin('https://p.example:8443')).toEqual({ value: 'https://p.example:8443' });
    expect(parseCorsOrigin('https://p.example/')).toHaveProperty('expected');
    expect(parseCorsOrigin('player')).toHaveProperty('expected');
  });
});
