/**
 * Request smuggling against the shield, on its fast lane (SHIELD_FAST_LANE=on, our own parser) and on
 * Node's HTTP parser (off). Each variant frames a request ambiguously (CL.TE, TE.CL, obfuscated or
 * repeated Transfer-Encoding beside a Content-Length, conflicting or malformed Content-Length, bare LF,
 * obs-fold) with a second request for a unique path hidden where two readings of the framing disagree,
 * then pipelines a normal request. Every variant is ambiguous by construction, so acting on the hidden
 * request at all (rather than refusing with 400 and closing) is what a front proxy would be desynced by.
 * A desync is the shield acting on the hidden request: the counting upstream saw its path, or a response
 * carried its body. Real sockets; the shield runs in process against a counting fake packager.
 */
import { startPair } from '../shield/helpers.ts';
import { exchange } from './raw-http.ts';
import type { Row } from './report.ts';

const HIDDEN_BODY = 'HIDDEN-OBJECT';

/** Header block variants that make the body's length ambiguous; `{B}` is the body length. */
const FRAMINGS: readonly (readonly [string, 'cl' | 'te'])[] = [
  ['Content-Length: {B}\r\nTransfer-Encoding: chunked', 'te'],
  ['Transfer-Encoding: chunked\r\nContent-Length: {B}', 'te'],
  ['Content-Length: {B}\r\nTransfer-Encoding: chunked', 'cl'],
  ['Transfer-Encoding: chunked\r\nContent-Length: 4', 'te'],
  ['Transfer-Encoding: xchunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding:  chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: chunked \r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding : chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding:\tchunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: chunked, identity\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: identity, chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-encoding: CHUNKED\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding:\r\n chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer_Encoding: chunked\r\nContent-Length: {B}', 'te'],
  ['Transfer-Encoding: "chunked"\r\nContent-Length: {B}', 'te'],
  ['Content-Length: 0\r\nContent-Length: {B}', 'cl'],
  ['Content-Length: {B}\r\nContent-Length: 0', 'cl'],
  ['Content-Length: 0, {B}', 'cl'],
  ['Content-Length: +{B}', 'cl'],
  ['Content-Length: -1', 'cl'],
  ['Content-Length : {B}', 'cl'],
  ['Content-Length: {B}0000000000000000000000', 'cl'],
  ['Content-Length:\r\n {B}', 'cl'],
  ['X-Pad: a\nContent-Length: {B}', 'cl'],
];

/** The ambiguous request followed by a normal one on the same connection. */
function variant(framing: string, kind: 'cl' | 'te', hidden: string, host: string): string {
  const smuggled = `GET ${hidden} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  const body = kind === 'te' ? `0\r\n\r\n${smuggled}` : smuggled;
  const chunked = kind === 'te' && framing.startsWith('Transfer-Encoding: chunked\r\nContent-Length: 4');
  const payload = chunked ? `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n` : body;
  const head = framing.replace(/\{B\}/g, String(Buffer.byteLength(payload)));
  return `GET /ok.ts HTTP/1.1\r\nHost: ${host}\r\n${head}\r\n\r\n${payload}GET /ok.ts HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
}

/** Rows "smuggling variants: shield fast lane" and "…: shield Node path". */
export async function smugglingVariants(limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const lane of ['on', 'off'] as const) {
    const pair = await startPair({ SHIELD_FAST_LANE: lane });
    try {
      pair.upstream.route('/ok.ts', { body: 'ok-object', headers: { 'cache-control': 'max-age=60' } });
      const host = `127.0.0.1:${pair.shield.port}`;
      // Control: an unambiguous pipelined request must be seen, or this harness could never find a desync.
      const control = `/control-${lane}.ts`;
      pair.upstream.route(control, { body: HIDDEN_BODY });
      const pipelined = `GET /ok.ts HTTP/1.1\r\nHost: ${host}\r\n\r\nGET ${control} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
      if (!(await exchange(pair.shield.port, pipelined)).includes(HIDDEN_BODY))
        throw new Error(`smuggling harness: a plain pipelined request was not answered (lane ${lane})`);
      let tried = 0;
      let bad = 0;
      const examples: string[] = [];
      for (const [i, [framing, kind]] of FRAMINGS.slice(0, limit).entries()) {
        const hidden = `/hidden-${lane}-${i}.ts`;
        pair.upstream.route(hidden, { body: HIDDEN_BODY });
        const answer = await exchange(pair.shield.port, variant(framing, kind, hidden, host));
        tried++;
        if (pair.upstream.count(hidden) > 0 || answer.includes(HIDDEN_BODY)) {
          bad++;
          if (examples.length < 3) examples.push(JSON.stringify(framing));
        }
      }
      rows.push({
        category: `smuggling variants: shield ${lane === 'on' ? 'fast lane' : "Node's parser"}`,
        tried,
        badLabel: 'desyncs',
        bad,
        ...(examples.length > 0 ? { note: examples.join(', ') } : {}),
      });
    } finally {
      await pair.close();
    }
  }
  return rows;
}

export const SMUGGLING_VARIANTS = FRAMINGS.length;
