/**
 * Browser-side probe for the WebRTC bench, run inside the dev player page (scripts/player/webrtc.js):
 * a glass-to-glass reader that decodes the publisher's clock blocks
 * (`?source=clock`: Date.now() as 48 black/white blocks, bit i at block i) from every presented frame.
 * Must not assert; returns numbers.
 */
import type { Page } from 'playwright-core';

/** Starts sampling latency on every presented frame; read with {@link readLatency}. */
export function startLatencyProbe(page: Page): Promise<void> {
  return page.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const probe = { samples: [] as number[], unreadable: 0 };
    (window as unknown as { __latency: typeof probe }).__latency = probe;
    const onFrame = (): void => {
      if (ctx) {
        // The publisher drew 640×360; the encoder may scale it down, so draw back to 640×360.
        ctx.drawImage(video, 0, 0, 640, 360);
        const px = ctx.getImageData(0, 0, 640, 360).data;
        let t = 0;
        for (let i = 0; i < 48; i++) {
          const x = (i % 12) * 52 + 8 + 24;
          const y = Math.floor(i / 12) * 52 + 8 + 24;
          if ((px[(y * 640 + x) * 4] ?? 0) > 128) t += 2 ** i;
        }
        const latency = Date.now() - t;
        // A misread bit moves t by hours or years: keep only plausible readings.
        if (latency >= 0 && latency < 10_000) probe.samples.push(latency);
        else probe.unreadable++;
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

export function readLatency(page: Page): Promise<{ samples: number[]; unreadable: number }> {
  return page.evaluate(
    () => (window as unknown as { __latency: { samples: number[]; unreadable: number } }).__latency,
  );
}
