/**
 * The fast lane's bridge into Node's HTTP server: a per-connection in-memory socket that Node reads
 * forwarded requests from and writes responses to (fast-lane.ts). Writes go straight to the
 * client socket with its backpressure; destroying either side destroys both, so an aborted response
 * is an aborted connection for the client. Must not parse or answer requests itself.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** What the bridge tells its lane. */
export interface BridgeEvents {
  /** Node ended the connection (its response said Connection: close). */
  ended(): void;
  /** Node destroyed the connection. */
  destroyed(): void;
}

/** One client connection's bridge; its `_write` completes only when the client socket takes the bytes. */
export class BridgeSocket extends Duplex {
  readonly #client: Socket;
  readonly #events: BridgeEvents;
  /** Writes handed to the client socket whose callback is still pending (waiting for drain). */
  #waiting = 0;
  wantsInput = true;

  constructor(client: Socket, events: BridgeEvents) {
    super({ allowHalfOpen: true });
    this.#client = client;
    this.#events = events;
  }

  get idle(): boolean {
    return this.#waiting === 0 && this.writableLength === 0;
  }

  override push(chunk: Buffer | null): boolean {
    const more = super.push(chunk);
    this.wantsInput = more;
    return more;
  }

  override _read(): void {
    this.wantsInput = true;
    this.#client.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#afterWrite(this.#client.write(chunk, encoding), done);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    done: (error?: Error | null) => void,
  ): void {
    const client = this.#client;
    client.cork();
    let flowing = true;
    for (const { chunk, encoding } of chunks) flowing = client.write(chunk, encoding);
    client.uncork();
    this.#afterWrite(flowing, done);
  }

  #afterWrite(flowing: boolean, done: (error?: Error | null) => void): void {
    if (flowing) {
      done();
      return;
    }
    this.#waiting++;
    this.#client.once('drain', () => {
      this.#waiting--;
      done();
    });
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#events.ended();
    this.#client.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#events.destroyed();
    done(error);
  }

  // The net.Socket surface Node's HTTP server uses; timeouts are the lane's (client socket).
  setTimeout(_ms: number, _callback?: () => void): this {
    return this;
  }
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }
  get remoteAddress(): string | undefined {
    return this.#client.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.#client.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.#client.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.#client.localAddress;
  }
  get localPort(): number | undefined {
    return this.#client.localPort;
  }
  address(): ReturnType<Socket['address']> {
    return this.#client.address();
  }
}
