// Content decoding of upstream bodies under the gateway's control. fetch is told not to decompress (so
// it advertises no Accept-Encoding and honest upstreams send plain bytes); an upstream that compresses
// anyway is inflated here through a DecompressionStream that only inflates as the reader pulls. Bun's own
// decompression inflated a whole abandoned body (a 200 KB gzip bomb: 200 MB of RSS) after an over-limit
// read was cancelled; pulled inflation stops where the reader stops.

/** Thrown (through the body) when a compressed body cannot be inflated. */
export class ContentDecodingError extends Error {
  constructor(readonly coding: string) {
    super(`the body is not valid ${coding}`);
    this.name = 'ContentDecodingError';
  }
}

const FORMATS: Readonly<Record<string, CompressionFormat>> = {
  gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'brotli' as CompressionFormat, zstd: 'zstd' as CompressionFormat,
};

/**
 * The response with its body decoded per Content-Encoding (unchanged when it has none). The decoded
 * response has no Content-Encoding and no Content-Length. An unknown coding is refused.
 */
export function decodedResponse(response: Response): Response {
  const coding = response.headers.get('content-encoding')?.trim().toLowerCase();
  if (!coding || coding === 'identity' || !response.body) return response;
  const format = FORMATS[coding];
  if (!format) throw new ContentDecodingError(coding);
  // The compressed bytes pass through a stream of ours so that a failure of the body itself (a cut, an
  // abort) is told apart from bytes that do not inflate.
  const raw = response.body.getReader();
  let bodyFailure: { error: unknown } | undefined;
  const compressed = new ReadableStream<BufferSource>({
    async pull(controller) {
      try {
        const step = await raw.read();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      } catch (error) {
        bodyFailure = { error };
        controller.error(error);
      }
    },
    cancel: (reason) => raw.cancel(reason),
  }, { highWaterMark: 0 });
  const inflated = compressed.pipeThrough(new DecompressionStream(format)).getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let step: Awaited<ReturnType<typeof inflated.read>>;
      try {
        step = await inflated.read();
      } catch {
        controller.error(bodyFailure ? bodyFailure.error : new ContentDecodingError(coding));
        return;
      }
      if (step.done) controller.close();
      else controller.enqueue(step.value);
    },
    cancel(reason) {
      return inflated.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
