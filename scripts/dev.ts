/**
 * `npm start`: the whole local stack in one command. Three sources of media:
 *   - sample media (default `.media`, or an empty/new PACKAGER_ROOT): made with ffmpeg if missing;
 *   - the operator's HLS folder (PACKAGER_ROOT with anything else in it): served as is, never written;
 *   - the operator's origin (SHIELD_UPSTREAMS): no dev packager, the shield fronts that origin.
 * Starts packager (unless fronting), origin shield and edge (`wrangler dev`, offline), serves the player
 * page and prints signed URLs that play through the edge. Ctrl-C or SIGTERM stops every child group.
 *
 * The only reader of process.env for the dev stack; each service still parses its own config. Must
 * never delete or overwrite a file it did not create.
 */
import { join, relative } from 'node:path';
import { formatConfigIssue } from '../src/core/config/issue.ts';
import { CodedError } from '../src/core/errors.ts';
import { type DevConfig, parseDevConfig } from './dev-config.ts';
import { ensureMedia, mediaDirState } from './media/make-media.ts';
import { startPlayerServer } from './player/server.ts';
import { EdgeConfigError, readEnvFile } from './stack/edge-env.ts';
import { type FoundPlaylist, findPlaylists } from './stack/find-playlists.ts';
import { ensureShieldSecret } from './stack/shield-secret.ts';
import { REPO_ROOT, type Stack, stackEdgeVars, startStack } from './stack/start-stack.ts';

const EX_CONFIG = 2;
/** Signed URLs printed for an operator's folder, at most. */
const MAX_PRINTED = 5;
const TTL_S = 12 * 3600;

type Media =
  | { readonly kind: 'sample'; readonly dir: string }
  | {
      readonly kind: 'operator';
      readonly dir: string;
      readonly found: readonly FoundPlaylist[];
      readonly total: number;
    }
  | { readonly kind: 'origin'; readonly upstreams: readonly string[] };

async function main(): Promise<void> {
  const config = parseDevConfig(process.env, await readEnvFile(join(REPO_ROOT, '.dev.vars')), REPO_ROOT);
  if (Array.isArray(config)) {
    for (const issue of config) console.error(`config: ${formatConfigIssue(issue)}`);
    process.exit(EX_CONFIG);
  }
  // A signal while starting: there is no stack to stop gracefully yet, so exit now; the exit hook in
  // stack/processes.ts kills every service group already spawned (no orphaned workerd).
  const stopWhileStarting = () => {
    console.log('\nstopped while starting');
    process.exit(0);
  };
  process.once('SIGINT', stopWhileStarting);
  process.once('SIGTERM', stopWhileStarting);
  for (const note of config.ignored) console.log(`note: ignoring ${note}`);

  const secret = config.sharedSecret
    ? { value: config.sharedSecret.value, where: `from SHIELD_SHARED_SECRET (${config.sharedSecret.from})` }
    : await savedShieldSecret();
  // Bad edge settings stop everything before media is made or any service starts.
  await stackEdgeVars({
    shieldUrl: `http://127.0.0.1:${config.shieldPort}`,
    rtcUrl: `http://127.0.0.1:${config.rtcPort}`,
    secret: secret.value,
    edgeVars: config.edgeSettings,
  });
  const media = await prepareMedia(config);
  const stack: Stack = await startStack({
    ...(media.kind === 'origin' ? { upstreams: media.upstreams } : { mediaDir: media.dir }),
    ...(media.kind === 'operator' && media.found[0] ? { packagerReadyPath: media.found[0].path } : {}),
    packagerPort: config.packagerPort,
    shieldPort: config.shieldPort,
    edgePort: config.edgePort,
    inspectorPort: config.inspectorPort,
    rtc: true,
    rtcPort: config.rtcPort,
    sharedSecret: secret.value,
    edgeVars: config.edgeSettings,
    echo: true,
    // Egress ledger (issue 8): .egress/edge.ndjson + .egress/shield.ndjson → npm run egress -- report --from .egress
    egressDir: join(REPO_ROOT, '.egress'),
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

  const sign = (path: string, acl?: string) =>
    stack.sign(path, { in: 'path', ttlS: TTL_S, ...(acl ? { acl: [acl] } : {}) });
  const settings = Object.keys(config.edgeSettings);
  // The signer reads EDGE_PORT too; name it only when it is not the default.
  const signCommand = `${config.edgePort === 8787 ? '' : `EDGE_PORT=${config.edgePort} `}npm run sign --`;
  const lines = [
    '',
    'edgeshield local stack is up:',
    media.kind === 'origin'
      ? `  origin    ${media.upstreams.join(', ')}   (SHIELD_UPSTREAMS; no dev packager)`
      : `  packager  ${stack.packagerUrl}   (root ${media.dir})`,
    `  shield    ${stack.shieldUrl}   (/healthz)`,
    `  rtc       ${stack.rtcUrl}   (WebRTC media server; viewers use the edge's /whep and /whip)`,
    `  edge      ${stack.edgeUrl}   (/healthz)`,
    `  edge settings passed: ${settings.length > 0 ? settings.join(', ') : 'none (wrangler.toml [vars] only)'}`,
    `  shield secret   ${secret.where}   (edge → shield auth, shield /purge)`,
    `  wrangler state  ${stack.persistDir}   (removed on stop)`,
    '',
  ];
  if (media.kind === 'sample') {
    const vod = await sign('/vod/ts/master.m3u8');
    lines.push(
      `  play VOD through the edge:   ${player.pageFor(vod)}`,
      `  play live through the edge:  ${player.pageFor(await sign('/live/fmp4/master.m3u8'))}`,
      `  play AES-128 (key needs the token): ${player.pageFor(await sign('/vod/aes/master.m3u8'))}`,
      `  master playlist (edge):      ${vod}`,
    );
  } else {
    const targets =
      media.kind === 'operator'
        ? media.found
        : config.startPath !== undefined
          ? [{ path: config.startPath, kind: 'master' as const, acl: undefined }]
          : [];
    for (const t of targets) {
      const url = await sign(t.path, t.acl);
      lines.push(`  ${t.path}`, `    player:  ${player.pageFor(url)}`, `    edge:    ${url}`);
    }
    if (media.kind === 'operator' && media.total > media.found.length) {
      lines.push(`  (${media.total - media.found.length} more playlists not listed)`);
    }
    if (media.kind === 'origin' && targets.length === 0) {
      lines.push(
        '  no START_PATH given: sign a path on your origin with',
        `    ${signCommand} /path/to/master.m3u8 --in path`,
        `  and open ${player.pageFor('').replace(/=$/, '=<the signed URL, URL-encoded>')}`,
      );
    }
  }
  if (media.kind !== 'origin' || config.startPath !== undefined) {
    lines.push(`  (signed, 12 h; more with: ${signCommand} <path> --in path)`);
  }
  // WebRTC (issue 16): the media server's own sample stream, whatever the HLS media; a Bearer token
  // scoped to the WHEP path (the page sends ?token= as Authorization: Bearer).
  const whep = await stack.sign('/whep/live', { in: 'query', ttlS: TTL_S, acl: ['/whep/live'] });
  lines.push(
    `  play WebRTC (WHEP, sample stream "live") through the edge: ${player.pageForRtc('whep', whep)}`,
    '  egress ledger: .egress/*.ndjson   (npm run egress -- report --from .egress)',
    '',
    'Ctrl-C stops everything.',
  );
  console.log(lines.join('\n'));
}

/** The dev shield secret from its git-ignored file (made on first use); never printed itself. */
async function savedShieldSecret(): Promise<{ value: string; where: string }> {
  const { secret, file } = await ensureShieldSecret(join(REPO_ROOT, '.dev-keys'));
  return { value: secret, where: `saved in ${relative(process.cwd(), file) || file}` };
}

/**
 * Decides what the packager serves. Sample media is made only where nothing but our own output can be
 * lost: a missing or empty folder, or one the media maker wrote. Anything else is the operator's.
 */
async function prepareMedia(config: DevConfig): Promise<Media> {
  if (config.upstreams !== undefined) return { kind: 'origin', upstreams: config.upstreams };
  const dir = config.mediaDir ?? join(REPO_ROOT, '.media');
  if ((await mediaDirState(dir)) !== 'foreign') {
    console.log(`media: ${dir} (sample media; generating with ffmpeg if missing)`);
    await ensureMedia(dir);
    return { kind: 'sample', dir };
  }
  const { playlists, total } = await findPlaylists(dir, MAX_PRINTED);
  if (playlists.length === 0) {
    throw new CodedError(
      'STACK_ERR_NO_PLAYLISTS',
      `PACKAGER_ROOT: expected HLS playlists (.m3u8) under ${dir}, found none; it is not sample media either, so npm start leaves it untouched`,
    );
  }
  console.log(`media: ${dir} (your files, served as is; ${total} playlist${total === 1 ? '' : 's'} to play)`);
  return { kind: 'operator', dir, found: playlists, total };
}

main().catch((error: unknown) => {
  if (error instanceof EdgeConfigError) {
    console.error('edge config: refusing to start the edge, bad settings:');
    for (const issue of error.issues) console.error(`  ${issue}`);
    process.exit(EX_CONFIG);
  }
  if (error instanceof CodedError && error.code === 'STACK_ERR_NO_PLAYLISTS') {
    console.error(error.message);
    process.exit(EX_CONFIG);
  }
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
