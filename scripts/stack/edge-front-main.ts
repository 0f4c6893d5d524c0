/**
 * `node scripts/stack/edge-front-main.ts <port> <target-url>`: the edge front (edge-front.ts) as its own
 * process, started by start-stack.ts. In the launcher's process it would stall whenever that process
 * blocks its event loop (a test running ffprobe with spawnSync). Stops on SIGTERM/SIGINT.
 */
import { startEdgeFront } from './edge-front.ts';

const [portText = '', target = ''] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !/^http:\/\/127\.0\.0\.1:\d+$/.test(target)) {
  process.stderr.write(
    `edge-front: expected <port 0-65535> <http://127.0.0.1:PORT>, got ${JSON.stringify([portText, target])}\n`,
  );
  process.exit(2);
}
const front = await startEdgeFront(port, target);
const stop = () => {
  void front.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
