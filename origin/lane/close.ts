/**
 * Closing a client connection after what was written to it has reached the kernel: `destroy()` right
 * away would drop a response still queued in libuv (a 408, a 503, the end of a `Connection: close`
 * response), while `end()` alone would let a client that keeps sending hold the half-open socket.
 * Must not write anything itself.
 */
import type { Duplex } from 'node:stream';

/**
 * Ends `socket`, destroys it once its writes are flushed, and at the latest after `maxWaitMs` (a
 * client that stops reading must not hold it).
 *
 * @example socket.write(rawErrorResponse(error)); closeAfterFlush(socket, 5_000);
 */
export function closeAfterFlush(socket: Duplex, maxWaitMs: number): void {
  if (socket.destroyed) return;
  // Whatever the client still sends is read and dropped: unread input makes the kernel reset the
  // connection on close, which can discard the response before the client reads it.
  socket.resume();
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), maxWaitMs);
  timer.unref();
  socket.once('finish', () => {
    clearTimeout(timer);
    socket.destroy();
  });
  socket.once('close', () => clearTimeout(timer));
  if (socket.writable) socket.end();
}
