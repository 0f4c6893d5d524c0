import { describe, expect, it } from 'vitest';
import { readRequestHead } from '../../../src/core/http/request-head.ts';

const head = (...lines: string[]) => lines.join('\r\n');
const reason = (text: string) => {
  const r = readRequestHead(text);
  return r.kind === 'unsure' ? r.reason : 'simple';
};

describe('readRequestHead', () => {
  it('reads an edge hit request: method, raw target, headers as sent, no body', () => {
    const r = readRequestHead(
      head(
        'GET /vod/a.ts?x=1 HTTP/1.1',
        'Host: shield',
        'X-EdgeShield-Auth:  s3cret ',
        'Connection: keep-alive',
      ),
    );
    expect(r).toEqual({
      kind: 'simple',
      method: 'GET',
      target: '/vod/a.ts?x=1',
      headers: ['Host', 'shield', 'X-EdgeShield-Auth', 's3cret', 'Connection', 'keep-alive'],
      bodyLength: 0,
    });
  });

  it('reads a Content-Length body length (a purge POST)', () => {
    const r = readRequestHead(head('POST /purge HTTP/1.1', 'Host: s', 'Content-Length: 17'));
    expect(r.kind === 'simple' && r.bodyLength).toBe(17);
  });

  it('steps aside on every body framing it cannot be certain of (request smuggling)', () => {
    expect(reason(head('POST /a HTTP/1.1', 'Host: s', 'Transfer-Encoding: chunked'))).toBe(
      'framing or upgrade',
    );
    expect(
      reason(head('POST /a HTTP/1.1', 'Host: s', 'Content-Length: 5', 'Transfer-Encoding: chunked')),
    ).toBe('framing or upgrade');
    expect(reason(head('POST /a HTTP/1.1', 'Host: s', 'Content-Length: 5', 'Content-Length: 5'))).toBe(
      'content-length',
    );
    expect(reason(head('POST /a HTTP/1.1', 'Host: s', 'Content-Length: +5'))).toBe('content-length');
    expect(reason(head('POST /a HTTP/1.1', 'Host: s', 'Content-Length: 5, 5'))).toBe('content-length');
    expect(reason(head('POST /a HTTP/1.1', 'Host: s', 'Content-Length: 9999999999999999'))).toBe(
      'content-length',
    );
  });

  it('steps aside on obs-fold, bare CR or LF, and bytes outside the field grammar', () => {
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', ' folded'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'X-A: 1\nX-B: 2'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'X-A: 1\rX-B: 2'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'X-A: \u0000'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'Bad Name: 1'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', ': empty name'))).toBe('header line');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'NoColon'))).toBe('header line');
  });

  it('steps aside on anything but origin-form HTTP/1.1 with one Host', () => {
    expect(reason(head('GET /a HTTP/1.0', 'Host: s'))).toBe('version');
    expect(reason(head('GET /a HTTP/1.1'))).toBe('host');
    expect(reason(head('GET /a HTTP/1.1', 'Host: a', 'host: b'))).toBe('host');
    expect(reason(head('GET http://evil.example/a HTTP/1.1', 'Host: s'))).toBe('request line');
    expect(reason(head('GET /a b HTTP/1.1', 'Host: s'))).toBe('request line');
    expect(reason(head('GET /caf\u00e9 HTTP/1.1', 'Host: s'))).toBe('request line');
    expect(reason(head('G(T /a HTTP/1.1', 'Host: s'))).toBe('request line');
    expect(reason(head('', 'GET /a HTTP/1.1', 'Host: s'))).toBe('request line');
  });

  it('leaves connection management and upgrades to Node', () => {
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'Connection: close'))).toBe('connection');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'Connection: Upgrade'))).toBe('connection');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'Upgrade: websocket'))).toBe('framing or upgrade');
    expect(reason(head('PUT /a HTTP/1.1', 'Host: s', 'Expect: 100-continue'))).toBe('framing or upgrade');
    expect(reason(head('GET /a HTTP/1.1', 'Host: s', 'connection: Keep-Alive'))).toBe('simple');
  });
});
