/**
 * Slow-client survival: a real shield process holds `idle` connections that never send a byte and
 * `slowloris` connections that send a request head one header line at a time and never finish it,
 * while normal viewers keep fetching. Bad = a normal request that failed or got no answer within
 * REQUEST_DEADLINE_MS (a liveness bound for "kept succeeding", not a speed figure).
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startCountingUpstream } from '../fixtures/counting-upstream.ts';
import type { Row } from './report.ts';
import { startShieldTier } from './tiers.ts';

const REQUEST_DEADLINE_MS = 10_000;
const BODY = 'segment-bytes'.repeat(100);

export interface SlowClientLoad {
  readonly idle: number;
  readonly slowloris: number;
  /** Normal requests, one every `intervalMs`, each on a fresh connection. */
  readonly requests: number;
  readonly intervalMs: number;
}

function normalRequest(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, timeout: REQUEST_DEADLINE_MS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(res.statusCode === 200 && body === BODY));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Row "slow clients": normal requests that failed while the slow and idle connections were held. */
export async function slowClientSurvival(load: SlowClientLoad): Promise<Row> {
  const upstream = await startCountingUpstream();
  const shield = await startShieldTier(upstream.url);
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < 20; i++)
      upstream.route(`/vod/s/${i}.ts`, { body: BODY, headers: { 'cache-control': 'max-age=60' } });
    const open = () => {
      const s = connect(shield.port, '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
      return s;
    };
    for (let i = 0; i < load.idle; i++) open();
    for (let i = 0; i < load.slowloris; i++) {
      const s = open();
      s.on('connect', () => s.write(`GET /vod/s/0.ts HTTP/1.1\r\nHost: 127.0.0.1\r\n`));
      let n = 0;
      timers.push(setInterval(() => s.writable && s.write(`X-Slow-${n++}: ${'a'.repeat(8)}\r\n`), 1000));
    }
    let failed = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < load.requests; i++) {
      pending.push(
        normalRequest(shield.port, `/vod/s/${i % 20}.ts`).then((ok) => {
          if (!ok) failed++;
        }),
      );
      await new Promise((r) => setTimeout(r, load.intervalMs));
    }
    await Promise.all(pending);
    // How many of the slow and idle connections the shield was still holding (or had cut) at the end.
    const held = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    return {
      category: `slow clients: normal requests under ${load.slowloris} slowloris + ${load.idle} idle connections`,
      tried: load.requests,
      badLabel: 'failed',
      bad: failed,
      note: `${held} of ${sockets.length} slow/idle connections still open at the end`,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await shield.stop();
    await upstream.close();
  }
}
