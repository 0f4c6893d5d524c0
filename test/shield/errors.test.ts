/** toResponse and upstream error classification: one mapping from codes to HTTP, no detail leaked. */
import { describe, expect, it } from 'vitest';
import { ShieldError, type ShieldErrorCode, toResponse, upstreamFailure } from '../../origin/errors.ts';

const coded = (code: string) => Object.assign(new Error(`raw ${code}`), { code });

describe('toResponse', () => {
  it.each<[ShieldErrorCode, number]>([
    ['SHIELD_ERR_BAD_PATH', 400],
    ['SHIELD_ERR_UNAUTHORIZED', 401],
    ['SHIELD_ERR_BAD_REQUEST', 400],
    ['SHIELD_ERR_REQUEST_TIMEOUT', 408],
    ['SHIELD_ERR_HEADERS_TOO_LARGE', 431],
    ['SHIELD_ERR_CLIENT_ABORTED', 400],
    ['SHIELD_ERR_TOO_MANY_CONNECTIONS', 503],
    ['SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN', 503],
    ['SHIELD_ERR_NOT_READY', 503],
    ['SHIELD_ERR_PURGE_INCOMPLETE', 503],
    ['SHIELD_ERR_NOT_FOUND', 404],
    ['SHIELD_ERR_METHOD_NOT_ALLOWED', 405],
    ['SHIELD_ERR_INTERNAL', 500],
    ['SHIELD_ERR_UPSTREAM_UNREACHABLE', 502],
    ['SHIELD_ERR_UPSTREAM_BAD_RESPONSE', 502],
    ['SHIELD_ERR_UPSTREAM_TIMEOUT', 504],
  ])('maps %s to %i with a JSON body naming the code', (code, status) => {
    const r = toResponse(new ShieldError(code, 'x'));
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body).code).toBe(code);
  });

  it('turns an unknown error into a generic 500 without its message', () => {
    const r = toResponse(new Error('secret stack detail'));
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('secret');
  });

  it('sends one generic body for every auth failure', () => {
    const a = toResponse(new ShieldError('SHIELD_ERR_UNAUTHORIZED', 'shared secret missing'));
    const b = toResponse(new ShieldError('SHIELD_ERR_UNAUTHORIZED', 'shared secret mismatch'));
    expect(a.body).toBe(b.body);
  });
});

describe('upstreamFailure', () => {
  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'SHIELD_ERR_UPSTREAM_TIMEOUT'],
    ['UND_ERR_HEADERS_TIMEOUT', 'SHIELD_ERR_UPSTREAM_TIMEOUT'],
    ['UND_ERR_BODY_TIMEOUT', 'SHIELD_ERR_UPSTREAM_TIMEOUT'],
    ['ECONNREFUSED', 'SHIELD_ERR_UPSTREAM_UNREACHABLE'],
    ['UND_ERR_SOCKET', 'SHIELD_ERR_UPSTREAM_UNREACHABLE'],
    ['SOMETHING_ELSE', 'SHIELD_ERR_UPSTREAM_BAD_RESPONSE'],
  ])('classifies %s as %s and keeps the cause', (raw, expected) => {
    const cause = coded(raw);
    const e = upstreamFailure(cause);
    expect(e.code).toBe(expected);
    expect(e.cause).toBe(cause);
  });

  it('finds the code inside an AggregateError from a multi-address connect', () => {
    expect(upstreamFailure(new AggregateError([coded('ECONNREFUSED')])).code).toBe(
      'SHIELD_ERR_UPSTREAM_UNREACHABLE',
    );
  });
});
