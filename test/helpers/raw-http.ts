// Test helper: a minimal HTTP/1.1 client on a raw TCP socket (Connection: close, body read to the end).
// Load tests use it because the test process's own fetch shares Bun's cap on concurrent requests
// (256 unless BUN_CONFIG_MAX_HTTP_REQUESTS was set at start), which would throttle the client itself.

export interface RawResponse {
  status: number;
  /** Everything after the header block (chunked framing left in place). */
  body: string;
}

export function rawPost(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const head = [
    `POST ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    const decoder = new TextDecoder();
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(socket) {
          socket.write(`${head}\r\n\r\n${body}`);
        },
        data(_socket, data) {
          parts.push(decoder.decode(data, { stream: true }));
        },
        close() {
          const text = parts.join('');
          const split = text.indexOf('\r\n\r\n');
          resolve({ status: Number(text.slice(9, 12)), body: split >= 0 ? text.slice(split + 4) : '' });
        },
        error(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}
