/**
 * MANIFEST_* configuration parsing (src/edge/config-manifest.ts through parseEdgeConfig): defaults,
 * and one issue per problem naming the key and the JSON path inside MANIFEST_POLICIES.
 */
import { describe, expect, it } from 'vitest';
import { parseEdgeConfig } from '../../src/edge/config.ts';
import { type ManifestConfigIssue, parseManifestConfig } from '../../src/edge/config-manifest.ts';

function parse(env: Parameters<typeof parseManifestConfig>[0]) {
  const issues: ManifestConfigIssue[] = [];
  return { config: parseManifestConfig(env, issues), issues };
}

describe('parseManifestConfig', () => {
  it('defaults to same-as-request tokens on every URI, passthrough on parse errors, no policies', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off' });
    expect(r.ok && r.value.manifest).toEqual({
      policies: {},
      tokenMode: 'same-as-request',
      tokenScope: 'all',
      onParseError: 'passthrough',
    });
  });

  it('reads a policy table keyed by region, country, continent and default', () => {
    const { config, issues } = parse({
      MANIFEST_POLICIES: JSON.stringify({
        regions: { 'US-CA': { maxBandwidth: 3000000 } },
        countries: { IN: { maxHeight: 540, dropCodecs: ['hvc1'] } },
        continents: {
          EU: { origin: 'https://eu.edge.example/', originScope: 'media', dropLanguages: ['fr'] },
        },
        default: {},
      }),
      MANIFEST_TOKEN_MODE: 'define-queryparam',
    });
    expect(issues).toEqual([]);
    expect(config.policies.continents?.EU?.origin).toBe('https://eu.edge.example');
    expect(config.tokenMode).toBe('define-queryparam');
  });

  it('names every bad key with its JSON path', () => {
    const { issues } = parse({
      MANIFEST_POLICIES: JSON.stringify({
        countries: { uk: {}, IN: { maxHeight: -1, origin: 'https://x.example/path', colour: 'red' } },
        continents: { EURO: {} },
        planets: {},
      }),
      MANIFEST_ON_PARSE_ERROR: 'explode',
    });
    expect(issues.map((i) => i.key)).toEqual([
      'MANIFEST_ON_PARSE_ERROR',
      'MANIFEST_POLICIES.countries',
      'MANIFEST_POLICIES.countries.IN.maxHeight',
      'MANIFEST_POLICIES.countries.IN.origin',
      'MANIFEST_POLICIES.countries.IN.colour',
      'MANIFEST_POLICIES.continents',
      'MANIFEST_POLICIES.planets',
    ]);
    expect(issues[1]?.got).toBe('"uk"');
  });

  it('reports MANIFEST_POLICIES that is not JSON, and fails the edge config with it', () => {
    expect(parse({ MANIFEST_POLICIES: '{nope' }).issues[0]).toMatchObject({
      key: 'MANIFEST_POLICIES',
      expected: 'JSON',
    });
    const r = parseEdgeConfig({ AUTH_MODE: 'off', MANIFEST_TOKEN_SCOPE: 'some' });
    expect(r.ok ? [] : r.error.map((i) => i.key)).toEqual(['MANIFEST_TOKEN_SCOPE']);
  });
});
