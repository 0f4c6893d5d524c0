import { describe, expect, it } from 'vitest';
import { corsHeaders, corsPreflightHeaders } from '../../../src/core/http/cors.ts';

describe('corsHeaders', () => {
  it('answers * when every origin is allowed', () => {
    expect(corsHeaders('https://p.example', ['*'])['Access-Control-Allow-Origin']).toBe('*');
  });

  it('echoes an allowed origin and varies on Origin', () => {
    const h = corsHeaders('https://p.example', ['https://p.example']);
    expect(h['Access-Control-Allow-Origin']).toBe('https://p.example');
    expect(h.Vary).toBe('Origin');
  });

  it('grants nothing to an origin that is not listed', () => {
    expect(
      corsHeaders('https://evil.example', ['https://p.example'])['Access-Control-Allow-Origin'],
    ).toBeUndefined();
  });

  it('exposes the cache and timing headers players and dashboards read', () => {
    const exposed = corsHeaders(null, ['*'])['Access-Control-Expose-Headers'] ?? '';
    expect(exposed).toContain('x-cache');
    expect(exposed).toContain('Content-Range');
  });
});

describe('corsPreflightHeaders', () => {
  it('allows the Range header hls.js sends for byte-range segments', () => {
    expect(corsPreflightHeaders('https://p.example', ['*'])['Access-Control-Allow-Headers']).toContain(
      'Range',
    );
  });

  it('grants no methods to a disallowed origin', () => {
    expect(
      corsPreflightHeaders('https://e.example', ['https://p.example'])['Access-Control-Allow-Methods'],
    ).toBeUndefined();
  });
});
