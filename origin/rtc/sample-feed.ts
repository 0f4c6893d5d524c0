/**
 * The sample live stream: ffmpeg renders a test pattern and a tone, encodes H.264 (constrained
 * baseline, packetization-mode 1, x264 zerolatency, 0.5 s GOP) and Opus, and sends RTP to two UDP
 * sockets this process owns on loopback; each packet goes to the stream's hub as it arrives.
 *
 * Started with the server, not on the first viewer: a cold ffmpeg takes ~0.3–1 s to its first
 * keyframe, which would land on the first viewer's join time (target < 1 s). Restarted with backoff
 * if it dies; killed on stop. Must not transcode or parse beyond the RTP header.
 *
 * ffmpeg's RTP outputs are connected UDP sockets (`connect=1`, RTCP to the same port), so when this
 * process dies however it dies (SIGKILL included) and its sockets close, ffmpeg's next send fails
 * with "connection refused" and it exits: no orphaned encoder. Its RTCP sender reports arrive on the
 * same sockets and are dropped here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { RtpPacket } from 'werift';
import type { Logger } from '../log.ts';
import type { FeedSource, MediaKind, StreamHub } from './feed.ts';

export interface SampleFeedOptions {
  readonly ffmpegPath: string;
  readonly hub: StreamHub;
  readonly logger: Logger;
  /** Frames per second and GOP length in frames: 30 and 15 give a keyframe every 0.5 s. */
  readonly fps?: number;
  readonly gop?: number;
}

export interface SampleFeed {
  /** Whether ffmpeg is running and RTP has arrived in the last 2 s. */
  live(now: number): boolean;
  /** Restarts so far (ffmpeg exits). */
  readonly restarts: number;
  /** The running ffmpeg's pid, if any. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * @example const feed = await startSampleFeed({ ffmpegPath: 'ffmpeg', hub, logger }); … await feed.stop();
 */
export async function startSampleFeed(options: SampleFeedOptions): Promise<SampleFeed> {
  const { hub, logger } = options;
  const sockets = { video: await bindLoopback(), audio: await bindLoopback() };
  let lastPacketAt = 0;
  for (const kind of ['video', 'audio'] as const) {
    sockets[kind].on('message', (data: Buffer) => {
      if (isRtcp(data)) return; // ffmpeg's sender reports share the port (rtcpport): not media
      let packet: RtpPacket;
      try {
        packet = RtpPacket.deSerialize(data);
      } catch {
        return; // not RTP (nothing else should write here); drop
      }
      lastPacketAt = Date.now();
      hub.publish(kind, packet);
    });
  }
  const source: FeedSource = {
    kinds: new Set<MediaKind>(['video', 'audio']),
    // The GOP is short (0.5 s): a viewer waits at most that long for a keyframe; ffmpeg has no PLI input.
    requestKeyframe: () => {},
  };
  hub.setSource(source);

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let backoffMs = 500;
  let restartTimer: NodeJS.Timeout | undefined;
  const ports = { video: portOf(sockets.video), audio: portOf(sockets.audio) };
  const run = (): void => {
    const startedAt = Date.now();
    const proc = spawn(options.ffmpegPath, ffmpegArgs(ports, options.fps ?? 30, options.gop ?? 15), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    proc.on('error', (e) => logger.error('sample ffmpeg failed to start', { error: e.message }));
    proc.on('exit', (code, signal) => {
      if (child === proc) child = undefined;
      if (stopping) return;
      restarts++;
      // A run that lasted a while was healthy: start over from a short backoff.
      if (Date.now() - startedAt > 30_000) backoffMs = 500;
      logger.warn('sample ffmpeg exited; restarting', { code, signal, backoffMs, stderr: stderr.trim() });
      restartTimer = setTimeout(() => {
        hub.setSource(source);
        run();
      }, backoffMs);
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    });
  };
  run();

  return {
    live: (now) => child !== undefined && now - lastPacketAt < 2_000,
    get restarts() {
      return restarts;
    },
    get pid() {
      return child?.pid;
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(killer);
      }
      for (const s of Object.values(sockets)) s.close();
      if (hub.source === source) hub.setSource(undefined);
    },
  };
}

/** ffmpeg arguments: lavfi test source + sine → H.264 RTP and Opus RTP on loopback. */
export function ffmpegArgs(ports: { video: number; audio: number }, fps: number, gop: number): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...['-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${fps}`],
    ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-map', '0:v', '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast'],
    ...['-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop)],
    ...['-sc_threshold', '0', '-b:v', '800k', '-maxrate', '800k', '-bufsize', '400k'],
    ...['-f', 'rtp', '-payload_type', '96', rtpUrl(ports.video)],
    ...['-map', '1:a', '-c:a', 'libopus', '-b:a', '48k', '-ac', '2', '-application', 'lowdelay'],
    ...['-f', 'rtp', '-payload_type', '111', rtpUrl(ports.audio)],
  ];
}

/** A connected RTP output with its RTCP on the same port (see the header: ffmpeg dies with us). */
function rtpUrl(port: number): string {
  return `rtp://127.0.0.1:${port}?pkt_size=1200&connect=1&rtcpport=${port}`;
}

/**
 * RTCP packet types 200–204 (SR, RR, SDES, BYE, APP) sit where RTP has its marker bit and payload
 * type; ours are 96 and 111 (224 and 239 with the marker), so the two never overlap.
 */
function isRtcp(data: Buffer): boolean {
  const type = data[1] ?? 0;
  return type >= 200 && type <= 204;
}

function bindLoopback(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      // Key frames at 800 kb/s come in bursts of ~100 packets: a larger buffer avoids drops under load.
      socket.setRecvBufferSize(4 * 1024 * 1024);
      resolve(socket);
    });
  });
}

function portOf(socket: Socket): number {
  return (socket.address() as AddressInfo).port;
}
