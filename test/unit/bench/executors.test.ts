import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../bench/lib/duration.ts';
import {
  arrivalOffsets,
  executorDurationMs,
  executorIssues,
  stageValueAt,
  vusAt,
} from '../../../bench/lib/executors.ts';

describe('k6 durations', () => {
  it('parses compound durations into milliseconds', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
  });
  it('rejects text that is not a duration', () => {
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('fast')).toBeUndefined();
    expect(parseDuration('10s junk')).toBeUndefined();
  });
});

describe('VU executors', () => {
  it('keeps constant-vus at its VU count for the whole duration and at 0 after', () => {
    const c = { executor: 'constant-vus', vus: 7, duration: '10s' } as const;
    expect(vusAt(c, 0)).toBe(7);
    expect(vusAt(c, 9_999)).toBe(7);
    expect(vusAt(c, 10_000)).toBe(0);
  });
  it('ramps VUs linearly through stages and rounds down as k6 does', () => {
    const c = {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '10s', target: 10 },
        { duration: '10s', target: 0 },
      ],
    } as const;
    expect(vusAt(c, 5_000)).toBe(5);
    expect(vusAt(c, 9_950)).toBe(9);
    expect(vusAt(c, 15_000)).toBe(5);
    expect(executorDurationMs(c)).toBe(20_000);
  });
  it('holds the last stage target after the profile ends', () => {
    expect(stageValueAt(1, [{ duration: '1s', target: 4 }], 5_000)).toBe(4);
  });
});

describe('arrival-rate executors', () => {
  it('spaces constant-arrival-rate iterations evenly, starting at 0', () => {
    const offsets = arrivalOffsets({
      executor: 'constant-arrival-rate',
      rate: 2,
      timeUnit: '1s',
      duration: '2s',
      preAllocatedVUs: 1,
    });
    expect(offsets).toEqual([0, 500, 1000, 1500]);
  });
  it('honours timeUnit', () => {
    const offsets = arrivalOffsets({
      executor: 'constant-arrival-rate',
      rate: 3,
      timeUnit: '1m',
      duration: '1m',
      preAllocatedVUs: 1,
    });
    expect(offsets).toEqual([0, 20_000, 40_000]);
  });
  it('starts ramping-arrival-rate iterations where the integral of the rate reaches each count', () => {
    // Rate ramps 0 → 10/s over 2 s: N(t) = 2.5 t², so iteration i starts at sqrt(i / 2.5) s.
    const offsets = arrivalOffsets({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      stages: [{ duration: '2s', target: 10 }],
      preAllocatedVUs: 1,
    });
    expect(offsets).toHaveLength(10);
    expect(offsets[1]).toBeCloseTo(Math.sqrt(1 / 2.5) * 1000, 6);
    expect(offsets[9]).toBeCloseTo(Math.sqrt(9 / 2.5) * 1000, 6);
  });
  it('bounds the schedule by the cap', () => {
    expect(
      arrivalOffsets(
        { executor: 'constant-arrival-rate', rate: 1000, duration: '1h', preAllocatedVUs: 1 },
        50,
      ),
    ).toHaveLength(50);
  });
  it('reports invalid options by name', () => {
    expect(executorIssues('x', { executor: 'constant-vus', vus: -1, duration: 'soon' })).toEqual([
      'constant-vus.duration: expected a duration like "30s", got "soon"',
      'x.vus: expected an integer >= 0, got -1',
    ]);
  });
});
