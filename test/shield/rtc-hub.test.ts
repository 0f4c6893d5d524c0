/** StreamHub: fan-out to every viewer, source changes announced, keyframe requests rate-limited. */
import { describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket } from 'werift';
import { type FeedListener, StreamHub } from '../../origin/rtc/feed.ts';

const packet = () => new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: 1 }), Buffer.from([1]));

function listener() {
  const seen = { rtp: 0, changes: 0 };
  const l: FeedListener = {
    rtp: () => {
      seen.rtp++;
    },
    sourceChanged: () => {
      seen.changes++;
    },
  };
  return { l, seen };
}

describe('StreamHub', () => {
  it('gives every packet to every subscribed viewer, and none after unsubscribe', () => {
    const hub = new StreamHub('s');
    const a = listener();
    const b = listener();
    const offA = hub.subscribe(a.l);
    hub.subscribe(b.l);
    hub.publish('video', packet());
    offA();
    hub.publish('audio', packet());
    expect([a.seen.rtp, b.seen.rtp]).toEqual([1, 2]);
  });

  it('tells viewers when the source changes (RTP numbering restarts)', () => {
    const hub = new StreamHub('s');
    const a = listener();
    hub.subscribe(a.l);
    hub.setSource({ kinds: new Set(['video']), requestKeyframe: () => {} });
    hub.setSource(undefined);
    expect(a.seen.changes).toBe(2);
  });

  it('asks the source for at most one keyframe per interval however many viewers ask', () => {
    const hub = new StreamHub('s');
    let asked = 0;
    hub.setSource({ kinds: new Set(['video']), requestKeyframe: () => asked++ });
    for (let i = 0; i < 10; i++) hub.requestKeyframe(1_000 + i * 10);
    hub.requestKeyframe(1_600);
    hub.requestKeyframe(1_610, 0); // a joining viewer: no wait
    expect(asked).toBe(3);
  });
});
