/** The shield process (`node origin/main.ts`): refuses bad config, shuts down cleanly on SIGTERM. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../origin/main.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('shield process', () => {
  it('exits 2 without listening and names SHIELD_PORT when it is not a port number', async () => {
    const p = run({ SHIELD_PORT: 'abc' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('SHIELD_PORT: expected integer 0-65535, got "abc"');
    expect(p.output()).not.toContain('listening');
  });

  it('refuses to start without the edge credential unless SHIELD_AUTH=off says so', async () => {
    const p = run({ SHIELD_PORT: '0' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('SHIELD_SHARED_SECRET: expected the edge');
    expect(p.output()).not.toContain('listening');
  });

  it('exits 0 after SIGTERM once it has started listening', async () => {
    const p = run({ SHIELD_PORT: '0', SHIELD_UPSTREAMS: 'http://127.0.0.1:9', SHIELD_SHARED_SECRET: 's' });
    await waitFor(() => p.output().includes('"msg":"listening"'), 10_000);
    const url = /"url":"([^"]+)"/.exec(p.output())?.[1] ?? '';
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('"msg":"stopped"');
  });
});
