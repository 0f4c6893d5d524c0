/**
 * Reads a request body up to a byte cap, refusing it past the cap without reading (or buffering) more:
 * a `Content-Length` over the cap is refused before the first byte, a chunked body at the chunk that
 * crosses it. Shared by the WHIP/WHEP proxy and `POST /rtc-usage`.
 */

/** @example await readCapped(c.req.raw, 64 * 1024, () => new EdgeError('EDGE_ERR_RTC_BODY_TOO_LARGE', '…')) */
export async function readCapped(
  request: Request,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<ArrayBuffer> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge();
  const out = new Uint8Array(maxBytes);
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) return out.slice(0, size).buffer;
    if (size + next.value.byteLength > maxBytes) {
      await reader?.cancel();
      throw tooLarge();
    }
    out.set(next.value, size);
    size += next.value.byteLength;
  }
}
