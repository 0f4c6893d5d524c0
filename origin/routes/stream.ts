/**
 * Writing a filling body to one client: event-driven, with that client's own backpressure.
 *
 * The writer sends every chunk it has not sent yet, stops when the socket buffer is full and resumes
 * on 'drain'; when caught up it sleeps until the fill wakes it. A slow client therefore only delays
 * itself. A failed fill (or a reader dropped for lagging) destroys the connection so the client sees
 * an abort, never a short 200. Must not decide cacheability or touch the store.
 */
import type { ServerResponse } from 'node:http';
import type { FillBody } from '../cache/fill-body.ts';

/**
 * Streams `body` to `res` (headers must already be written). Resolves when the response closes.
 *
 * @example res.writeHead(200, headers); await streamBody(res, head.body);
 */
export function streamBody(res: ServerResponse, body: FillBody): Promise<void> {
  return new Promise((resolve) => {
    const reader = body.reader(() => res.destroy());
    let closed = false;
    res.on('close', () => {
      closed = true;
      reader.close();
      resolve();
    });
    const pump = (): void => {
      if (closed) return;
      let chunk = reader.next();
      while (chunk !== undefined) {
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
        chunk = reader.next();
      }
      const state = reader.state;
      if (state === 'done') res.end();
      else if (state === 'failed') res.destroy();
      else reader.wait(pump);
    };
    pump();
  });
}
