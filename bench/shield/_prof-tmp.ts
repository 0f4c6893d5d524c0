import { spawn, execFileSync } from 'node:child_process';
import { startBenchOrigin } from '/work/main/bench/shield/origin.ts';
const origin = await startBenchOrigin();
const port = 18000 + Math.floor(Math.random() * 1000);
const prof = process.argv[2] === 'prof';
const target = process.argv[3] ?? 'shield';
const args = target === 'bare' ? ['/work/main/bench/shield/bare-server.ts', String(port)] : ['/work/main/origin/main.ts'];
const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...args], {
  env: { ...process.env, SHIELD_PORT: String(port), SHIELD_UPSTREAMS: origin.url, SHIELD_LOG_LEVEL: 'warn' },
  stdio: 'inherit',
});
await new Promise((r) => setTimeout(r, 1500));
await fetch(`http://127.0.0.1:${port}/hit/2kb.m3u8`).then((r) => r.arrayBuffer());
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) {
  const out = execFileSync(process.execPath, ['/work/main/bench/shield/load.ts', 'rate', `http://127.0.0.1:${port}/hit/2kb.m3u8`, '50', '3000']);
  console.log(out.toString().trim());
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await origin.close();
