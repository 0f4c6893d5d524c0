/**
 * `npm start`: the whole local stack in one command. Makes sample media with ffmpeg if missing, starts
 * the dev packager, the origin shield and the edge (`wrangler dev`, offline), serves the player page and
 * prints URLs that play through the edge. Ctrl-C or SIGTERM stops every child process group.
 *
 * The only reader of process.env for the dev stack; each service still parses its own config.
 */
import { resolve } from 'node:path';
import { ensureMedia } from './media/make-media.ts';
import { startPlayerServer } from './player/server.ts';
import { REPO_ROOT, type Stack, startStack } from './stack/start-stack.ts';

interface DevConfig {
  readonly mediaDir: string;
  readonly packagerPort: number;
  readonly shieldPort: number;
  readonly edgePort: number;
  readonly inspectorPort: number;
  readonly playerPort: number;
}

function parseDevConfig(env: NodeJS.ProcessEnv): DevConfig | string[] {
  const issues: string[] = [];
  const port = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      issues.push(`${key}: expected integer 1-65535, got "${raw}"`);
    return n;
  };
  const config: DevConfig = {
    mediaDir: resolve(env.PACKAGER_ROOT || resolve(REPO_ROOT, '.media')),
    packagerPort: port('PACKAGER_PORT', 8080),
    shieldPort: port('SHIELD_PORT', 8081),
    edgePort: port('EDGE_PORT', 8787),
    inspectorPort: port('EDGE_INSPECTOR_PORT', 9239),
    playerPort: port('PLAYER_PORT', 8090),
  };
  return issues.length > 0 ? issues : Object.freeze(config);
}

async function main(): Promise<void> {
  const config = parseDevConfig(process.env);
  if (Array.isArray(config)) {
    for (const issue of config) console.error(`config: ${issue}`);
    process.exit(2);
  }
  // A signal while starting: there is no stack to stop gracefully yet, so exit now; the exit hook in
  // stack/processes.ts kills every service group already spawned (no orphaned workerd).
  const stopWhileStarting = () => {
    console.log('\nstopped while starting');
    process.exit(0);
  };
  process.once('SIGINT', stopWhileStarting);
  process.once('SIGTERM', stopWhileStarting);
  console.log(`media: ${config.mediaDir} (generating with ffmpeg if missing)`);
  await ensureMedia(config.mediaDir);

  const stack: Stack = await startStack({
    mediaDir: config.mediaDir,
    packagerPort: config.packagerPort,
    shieldPort: config.shieldPort,
    edgePort: config.edgePort,
    inspectorPort: config.inspectorPort,
    echo: true,
    // Egress ledger (issue 8): .egress/edge.ndjson + .egress/shield.ndjson → npm run egress -- report --from .egress
    egressDir: resolve(REPO_ROOT, '.egress'),
  });
  const player = await startPlayerServer(config.playerPort);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await Promise.all([stack.stop(), player.close()]);
    process.exit(code);
  };
  process.off('SIGINT', stopWhileStarting);
  process.off('SIGTERM', stopWhileStarting);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  for (const p of stack.processes) {
    void p.exited.then((code) => {
      if (stopping) return;
      console.error(`${p.name} exited unexpectedly (${code}); stopping the stack`);
      void shutdown(1);
    });
  }

  // Auth is required by default: signed path-form URLs (relative playlist URIs inherit the token).
  const vod = await stack.sign('/vod/ts/master.m3u8', { in: 'path', ttlS: 12 * 3600 });
  const live = await stack.sign('/live/fmp4/master.m3u8', { in: 'path', ttlS: 12 * 3600 });
  const aes = await stack.sign('/vod/aes/master.m3u8', { in: 'path', ttlS: 12 * 3600 });
  console.log(
    [
      '',
      'edgeshield local stack is up:',
      `  packager  ${stack.packagerUrl}`,
      `  shield    ${stack.shieldUrl}   (/healthz)`,
      `  edge      ${stack.edgeUrl}   (/healthz)`,
      `  wrangler state  ${stack.persistDir}   (removed on stop)`,
      '',
      `  play VOD through the edge:   ${player.pageFor(vod)}`,
      `  play live through the edge:  ${player.pageFor(live)}`,
      `  play AES-128 (key needs the token): ${player.pageFor(aes)}`,
      `  master playlist (edge):      ${vod}`,
      '  (signed, 12 h; more with: npm run sign -- /vod/fmp4/master.m3u8 --in path)',
      '  egress ledger: .egress/*.ndjson   (npm run egress -- report --from .egress)',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
