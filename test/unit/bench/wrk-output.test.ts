import { describe, expect, it } from 'vitest';
import {
  paceDelayMs,
  parseWrkOutput,
  wrkArgs,
  wrkDuration,
  wrkPaceScript,
} from '../../../bench/shield/wrk.ts';

const CLEAN = `Running 3s test @ http://127.0.0.1:40111/hit/2kb.m3u8
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   690.81us  200.52us   5.05ms   86.48%
    Req/Sec    73.53k     3.25k   77.84k    83.33%
  219466 requests in 3.00s, 470.24MB read
Requests/sec:  73136.92
Transfer/sec:    156.71MB
`;

const WITH_ERRORS = `Running 2s test @ http://127.0.0.1:40111/hit/1mb.ts
  1 threads and 50 connections
  6000 requests in 2.00s, 5.86GB read
  Socket errors: connect 0, read 12, write 1, timeout 3
  Non-2xx or 3xx responses: 600
Requests/sec:   3000.00
Transfer/sec:      2.93GB
`;

describe('wrk output', () => {
  it('reads requests, window, req/s and transfer rate', () => {
    const r = parseWrkOutput(CLEAN);
    expect(r).toMatchObject({ requests: 219466, errors: 0, secs: 3 });
    expect(r?.rps).toBeCloseTo(73136.92, 2);
    expect(r?.mbps).toBeCloseTo((156.71 * 2 ** 20 * 8) / 1e6, 3);
  });

  it('counts non-2xx answers and socket errors as errors and leaves them out of req/s', () => {
    const r = parseWrkOutput(WITH_ERRORS);
    expect(r?.errors).toBe(600 + 16);
    expect(r?.rps).toBeCloseTo(2700, 6);
  });

  it('returns undefined for text that is not a wrk summary', () => {
    expect(parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toBeUndefined();
  });

  it('passes whole seconds (wrk rejects fractions) and one thread', () => {
    expect(wrkDuration(2400)).toBe('2s');
    expect(wrkDuration(200)).toBe('1s');
    expect(wrkArgs('http://127.0.0.1:9/a', 50, 3000)).toEqual([
      '-t1',
      '-c50',
      '-d3s',
      'http://127.0.0.1:9/a',
    ]);
  });

  it('runs the production comparison with the threads it is given, over https too', () => {
    expect(wrkArgs('https://127.0.0.1:9/a', 64, 3000, 2)).toEqual([
      '-t2',
      '-c64',
      '-d3s',
      'https://127.0.0.1:9/a',
    ]);
  });

  it('paces every connection with a delay() script so both servers are offered one rate', () => {
    expect(wrkArgs('http://127.0.0.1:9/a', 64, 3000, 2, '/tmp/p.lua')).toEqual([
      '-t2',
      '-c64',
      '-d3s',
      '-s',
      '/tmp/p.lua',
      'http://127.0.0.1:9/a',
    ]);
    expect(paceDelayMs(1500, 64)).toBe(43);
    expect(paceDelayMs(1e9, 64)).toBe(1);
    expect(wrkPaceScript(42.6)).toBe('function delay()\n  return 43\nend\n');
  });
});
