import { resolve } from 'node:path';
import { ensureMedia } from '/work/main/scripts/media/make-media.ts';
import { startPlayerServer } from '/work/main/scripts/player/server.ts';
import { REPO_ROOT, startStack } from '/work/main/scripts/stack/start-stack.ts';
import { launchChromium } from '/work/main/test/fixtures/browser.ts';
const mediaDir = resolve(REPO_ROOT, '.media');
await ensureMedia(mediaDir);
const stack = await startStack({ mediaDir });
const player = await startPlayerServer(0);
const browser = await launchChromium();
const t0 = performance.now();
const ts = () => ((performance.now() - t0) / 1000).toFixed(2);
const short = (u: string) => { const x = new URL(u); return x.pathname.replace(/\/~t\/[^/]+/, '').replace('/live/ts/', '') + x.search; };
try {
  const src = await stack.sign('/live/ts/master.m3u8', { in: 'path' });
  const page = await browser.newPage();
  page.on('response', (r) => { if (r.url().startsWith(stack.edgeUrl)) console.log(ts(), 'RESP', r.status(), short(r.url()), r.headers()['x-cache']); });
  page.on('console', (m) => console.log(ts(), 'console', m.text()));
  await page.goto(player.pageFor(src));
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const s = await page.evaluate(() => { const v = document.querySelector('video') as HTMLVideoElement; const b = []; for (let i = 0; i < v.buffered.length; i++) b.push(`${v.buffered.start(i).toFixed(2)}-${v.buffered.end(i).toFixed(2)}`); return { t: v.currentTime.toFixed(2), b: b.join(' '), e: (window as any).__player.errors.join(','), paused: v.paused, rs: v.readyState }; });
    console.log(ts(), 'STATE', JSON.stringify(s));
  }
} finally { await browser.close(); await player.close(); await stack.stop(); }
