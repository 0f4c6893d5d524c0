/** The shared filling body: readers, retention, lag bound and upstream flow control. */
import { describe, expect, it } from 'vitest';
import { createFillBody, type FillBodyOptions } from '../../origin/cache/fill-body.ts';

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
});
