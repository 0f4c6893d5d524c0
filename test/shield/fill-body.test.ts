/** The shared filling body: readers, retention, lag bound and upstream flow control. */
import { describe, expect, it } from 'vitest';
import { createFillBody, type FillBodyOptions } from '../../origin/cache/fill-body.ts';
import { createByteBudget } from '../../src/core/cache/byte-budget.ts';

const chunk = (n: number) => Buffer.alloc(n, 1);

function body(over: Partial<FillBodyOptions> = {}) {
  const calls: string[] = [];
  const b = createFillBody({
    retain: true,
    retainLimit: 1000,
    maxLagBytes: 300,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    cancel: () => calls.push('cancel'),
    ...over,
  });
  return { b, calls };
}

const drain = (r: { next(): Buffer | undefined }) => {
  let n = 0;
  for (let c = r.next(); c !== undefined; c = r.next()) n += c.length;
  return n;
};

describe('createFillBody', () => {
  it('gives a late reader every retained byte from the start', () => {
    const { b } = body();
    b.push(chunk(100));
    b.push(chunk(100));
    const late = b.reader(() => {});
    expect(drain(late)).toBe(200);
    b.end();
    expect(late.state).toBe('done');
    expect(b.complete()?.length).toBe(200);
  });

  it('wakes a caught-up reader on the next chunk instead of it polling', () => {
    const { b } = body();
    const r = b.reader(() => {});
    let woken = 0;
    r.wait(() => woken++);
    b.push(chunk(10));
    expect(woken).toBe(1);
  });

  it('stops retaining past the limit and then hands out nothing as a complete body', () => {
    const { b } = body({ retainLimit: 150 });
    b.reader(() => {});
    b.push(chunk(100));
    b.push(chunk(100));
    b.end();
    expect(b.retained).toBe(false);
    expect(b.complete()).toBeUndefined();
  });

  it('drops a reader that falls more than maxLagBytes behind the fastest once nothing is retained', () => {
    const { b } = body({ retain: false });
    const fast = b.reader(() => {});
    let dropped = false;
    const slow = b.reader(() => {
      dropped = true;
    });
    for (let i = 0; i < 5; i++) {
      b.push(chunk(100));
      drain(fast);
    }
    expect(dropped).toBe(true);
    expect(slow.state).toBe('failed');
    expect(fast.state).toBe('filling');
  });

  it('pauses the upstream when even the fastest reader lags, and resumes when it catches up', () => {
    const { b, calls } = body({ retain: false });
    const only = b.reader(() => {});
    for (let i = 0; i < 4; i++) b.push(chunk(100));
    expect(calls).toEqual(['pause']);
    drain(only);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('refuses a reader that joins after the start was freed', () => {
    const { b } = body({ retain: false });
    const first = b.reader(() => {});
    b.push(chunk(100));
    drain(first);
    b.push(chunk(100));
    expect(b.joinable).toBe(false);
    expect(b.reader(() => {}).state).toBe('failed');
  });

  it('cancels the upstream when the last reader of an unretained body leaves', () => {
    const { b, calls } = body({ retain: false });
    const r = b.reader(() => {});
    b.push(chunk(10));
    r.close();
    expect(calls).toContain('cancel');
    expect(b.state).toBe('failed');
  });

  it('charges an undeclared length chunk by chunk and stops retaining when the shared budget is spent', () => {
    const budget = createByteBudget(250);
    const { b: first } = body({ budget });
    const { b: second } = body({ budget });
    const reader = second.reader(() => {});
    first.push(chunk(200));
    second.push(chunk(40));
    expect(budget.used).toBe(240);
    second.push(chunk(40)); // 280 > 250: the second body stops retaining and gives its bytes back
    expect(second.retained).toBe(false);
    expect(budget.used).toBe(200);
    expect(drain(reader)).toBe(80); // its reader still gets every byte
    second.end();
    expect(second.complete()).toBeUndefined();
    first.end();
    expect(first.complete()?.length).toBe(200);
    expect(budget.used).toBe(0);
    expect(budget.peak).toBeLessThanOrEqual(250);
  });

  it('refuses retention up front when a declared length does not fit, and returns a failed body’s charge', () => {
    const budget = createByteBudget(1000);
    const { b: big } = body({ budget, expectedBytes: 600 });
    const { b: other } = body({ budget, expectedBytes: 600 });
    expect(big.retained).toBe(true);
    expect(other.retained).toBe(false);
    big.fail();
    expect(budget.used).toBe(0);
  });
});
