/**
 * Bare Node baseline (`node bench/shield/bare-server.ts <port>`): serves the bench's 1 MB and 2 KB
 * objects from memory with no cache logic, the ceiling a Node shield can approach. 127.0.0.1 only.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? '0');
const mb = Buffer.alloc(1024 * 1024, 0x47);
const playlist = Buffer.from(`#EXTM3U\n${'#EXTINF:2.0,\nseg_00000.ts\n'.repeat(80)}`.slice(0, 2048));
const server = createServer((req, res) => {
  const body = req.url?.endsWith('.m3u8') ? playlist : req.url?.startsWith('/hit/') ? mb : undefined;
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
