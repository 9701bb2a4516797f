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

export interface RawAnswer extends RawResponse {
  headers: Record<string, string>;
}

/**
 * Sends `method path` exactly as written (fetch and curl resolve dot segments client-side; this does not),
 * with a Host and Connection: close, and reads the whole answer (a chunked body is unframed).
 */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  const head = [
    `${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...(body ? [`content-length: ${Buffer.byteLength(body)}`] : []),
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(socket) {
          socket.write(`${head}\r\n\r\n${body}`);
        },
        data(_socket, data) {
          parts.push(Buffer.from(data));
        },
        close() {
          const text = Buffer.concat(parts).toString('utf8');
          const split = text.indexOf('\r\n\r\n');
          const lines = text.slice(0, split).split('\r\n');
          const answerHeaders = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
          let rest = text.slice(split + 4);
          if (answerHeaders['transfer-encoding'] === 'chunked') {
            let out = '';
            for (let eol = rest.indexOf('\r\n'), size = parseInt(rest.slice(0, eol), 16); size > 0; eol = rest.indexOf('\r\n'), size = parseInt(rest.slice(0, eol), 16)) {
              out += rest.slice(eol + 2, eol + 2 + size);
              rest = rest.slice(eol + 4 + size);
            }
            rest = out;
          }
          resolve({ status: Number(lines[0].split(' ')[1]), headers: answerHeaders, body: rest });
        },
        error(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}
