/**
 * A streaming test client: records when the first body byte and the end arrived, whether the
 * response was aborted, and can pause reading to play a slow viewer.
 */
import { Agent, request } from 'node:http';

export interface StreamResult {
  readonly status: number;
  readonly xCache: string | undefined;
  readonly bytes: number;
  readonly body: Buffer;
  readonly aborted: boolean;
}

export interface StreamHandle {
  /** Resolves once the first body byte arrived. */
  readonly firstByte: Promise<void>;
  readonly done: Promise<StreamResult>;
  /** Stop / resume reading from the socket. */
  pause(): void;
  resume(): void;
  /** Body bytes received so far. */
  received(): number;
}

/** An agent that allows many parallel sockets (storm tests). */
export function stormAgent(): Agent {
  return new Agent({ keepAlive: false, maxSockets: 1000 });
}

/** Starts a GET and tracks its progress. Never rejects: aborts are reported in the result. */
export function openStream(
  baseUrl: string,
  path: string,
  agent: Agent,
  headers: Record<string, string> = {},
): StreamHandle {
  const url = new URL(baseUrl);
  let markFirst: () => void = () => {};
  const firstByte = new Promise<void>((resolve) => {
    markFirst = resolve;
  });
  let control: { pause(): void; resume(): void } = { pause: () => {}, resume: () => {} };
  let received = 0;
  const done = new Promise<StreamResult>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
      control = res;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (chunks.length === 0) markFirst();
        chunks.push(c);
        received += c.length;
      });
      const finish = (aborted: boolean) => {
        const body = Buffer.concat(chunks);
        const xc = res.headers['x-cache'];
        resolve({
          status: res.statusCode ?? 0,
          xCache: typeof xc === 'string' ? xc : undefined,
          bytes: body.length,
          body,
          aborted,
        });
      };
      res.on('error', () => {});
      res.on('close', () => finish(!res.complete));
    });
    req.on('error', () =>
      resolve({ status: 0, xCache: undefined, bytes: 0, body: Buffer.alloc(0), aborted: true }),
    );
    req.end();
  });
  return {
    firstByte,
    done,
    pause: () => control.pause(),
    resume: () => control.resume(),
    received: () => received,
  };
}
