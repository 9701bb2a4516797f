// Test helper: one raw HTTP/1.1 keep-alive connection. With `server.workers` the kernel picks the worker
// per connection, so a test asks GET /health on a connection to learn which worker holds it, then sends
// its real request on the same connection. Responses are read with Content-Length or chunked framing.

export interface PinnedConnection {
  /** Sends one request and resolves with its status and (de-chunked) body once the response is complete. */
  request(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }>;
  close(): void;
}

export async function pinnedConnection(port: number): Promise<PinnedConnection> {
  let buf = '';
  let onData: (() => void) | undefined;
  let closed = false;
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data(_s, chunk) {
        buf += chunk.toString('latin1');
        onData?.();
      },
      close() {
        closed = true;
        onData?.();
      },
    },
  });
  return {
    request(method, path, opts = {}) {
      const body = opts.body ?? '';
      const headers = { host: '127.0.0.1', ...(body && { 'content-length': String(Buffer.byteLength(body)) }), ...opts.headers };
      socket.write(`${method} ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
      return new Promise((resolve, reject) => {
        onData = () => {
          const parsed = parseResponse(buf);
          if (parsed) {
            buf = buf.slice(parsed.length);
            onData = undefined;
            resolve({ status: parsed.status, body: parsed.body });
          } else if (closed) {
            reject(new Error(`connection closed before the response was complete: ${JSON.stringify(buf.slice(0, 200))}`));
          }
        };
        onData();
      });
    },
    close: () => socket.end(),
  };
}

/** A complete response at the start of `text`, or undefined if more bytes are needed. */
function parseResponse(text: string): { status: number; body: string; length: number } | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = text.slice(0, headEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const start = headEnd + 4;
  const contentLength = /\r\ncontent-length: *(\d+)/.exec(head);
  if (contentLength) {
    const end = start + Number(contentLength[1]);
    return text.length >= end ? { status, body: text.slice(start, end), length: end } : undefined;
  }
  if (!/\r\ntransfer-encoding: *chunked/.test(head)) return { status, body: '', length: start };
  let body = '';
  let at = start;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (text.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return { status, body, length: lineEnd + 4 };
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
