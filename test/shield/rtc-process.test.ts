/**
 * The RTC media server as a process and its sample stream's ffmpeg: `npm run rtc` refuses bad
 * config (exit 2), exits 0 on SIGTERM; ffmpeg does not outlive a SIGKILLed server; a killed ffmpeg
 * is restarted and the sample stream is ready again. Needs ffmpeg for the sample-stream cases only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { parseRtcConfig } from '../../origin/rtc/config.ts';
import { startRtcServer } from '../../origin/rtc/server.ts';
import { spawnRtcMain } from '../fixtures/rtc.ts';
import { ffmpegAvailable } from '../fixtures/tools.ts';

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run rtc', () => {
  it('refuses to start without the edge secret, naming the key, with exit 2', async () => {
    const p = spawnRtcMain({});
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/RTC_SHARED_SECRET: expected/);
  });

  it('serves /healthz and exits 0 on SIGTERM', async () => {
    const p = spawnRtcMain({ RTC_PORT: '0', RTC_AUTH: 'off', RTC_SAMPLE_STREAM: 'off' });
    await until('the listening line', () => /"msg":"listening"/.test(p.output()));
    const url = /"url":"([^"]+)"/.exec(p.output())?.[1] ?? '';
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});

/** Pids whose parent is `ppid` (Linux /proc). */
function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Running (a zombie waiting for a reaper that may never come, in a container, counts as gone). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe.skipIf(!ffmpegAvailable || process.platform !== 'linux')('the sample stream', () => {
  it('leaves no ffmpeg behind when the server is SIGKILLed (its RTP sockets close, ffmpeg exits)', async () => {
    const p = spawnRtcMain({ RTC_PORT: '0', RTC_AUTH: 'off' });
    let ffmpeg: number | undefined;
    try {
      await until('the listening line', () => /"msg":"listening"/.test(p.output()));
      const url = /"url":"([^"]+)"/.exec(p.output())?.[1] ?? '';
      await until('the first RTP', async () => (await fetch(`${url}/readyz`)).status === 200);
      [ffmpeg] = childrenOf(p.child.pid ?? -1);
      expect(ffmpeg).toBeGreaterThan(0);
      p.child.kill('SIGKILL');
      await p.exited;
      await until('ffmpeg to exit after its server', () => !alive(ffmpeg ?? 0));
    } finally {
      p.child.kill('SIGKILL');
      if (ffmpeg !== undefined && alive(ffmpeg)) process.kill(ffmpeg, 'SIGKILL');
    }
  }, 60_000);

  it('restarts ffmpeg when it dies, and /readyz is 200 again', async () => {
    const config = parseRtcConfig({ RTC_PORT: '0', RTC_AUTH: 'off' });
    if (!config.ok) throw new Error('config');
    const rtc = await startRtcServer({ config: config.value, logger: createLogger('silent', () => {}) });
    try {
      const ready = async () => (await fetch(`${rtc.url}/readyz`)).status === 200;
      await until('the first RTP', ready);
      const first = rtc.sample?.pid;
      expect(first).toBeGreaterThan(0);
      process.kill(first ?? 0, 'SIGKILL');
      await until('a new ffmpeg', () => rtc.sample?.pid !== undefined && rtc.sample.pid !== first);
      // Readiness looks at the last 2 s of RTP: outwait the old ffmpeg's packets first.
      await new Promise((r) => setTimeout(r, 2_500));
      await until('RTP from the new ffmpeg', ready);
      expect(rtc.sample?.restarts).toBe(1);
    } finally {
      const pid = rtc.sample?.pid;
      await rtc.stop();
      // stop() waited for ffmpeg to exit: the process is gone.
      if (pid !== undefined) expect(() => process.kill(pid, 0)).toThrow();
    }
  });
});
