// Test helper: a minimal HTTP/1.1 client on a raw TCP socket (Connection: close, the answer read to the end).
// Load tests use it because the test process's own fetch shares Bun's cap on concurrent requests
// (256 unless BUN_CONFIG_MAX_HTTP_REQUESTS was set at start), which would throttle the client itself; path and
// Host tests use it because fetch and curl resolve dot segments and always send a Host.

export interface RawResponse {
  status: number;
  /** Everything after the header block (rawPost leaves chunked framing in place; the others unframe it). */
  body: string;
}

export interface RawAnswer extends RawResponse {
  headers: Record<string, string>;
}

/** Sends `text` (a whole request, as written) on a fresh connection and parses the answer when the server closes it. */
export function sendRaw(port: number, text: string, opts: { unframe?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(socket) {
          socket.write(text);
        },
        data(_socket, data) {
          parts.push(Buffer.from(data));
        },
        close() {
          resolve(parseAnswer(Buffer.concat(parts).toString('utf8'), opts.unframe ?? true));
        },
        error(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}

function parseAnswer(text: string, unframe: boolean): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, split < 0 ? text.length : split).split('\r\n');
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  let rest = split >= 0 ? text.slice(split + 4) : '';
  if (unframe && headers['transfer-encoding'] === 'chunked') {
    let out = '';
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = parseInt(rest.slice(0, eol), 16);
      if (!size) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 4 + size);
    }
    rest = out;
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: rest };
}

const requestText = (method: string, path: string, headers: Record<string, string>, body: string) => [
  `${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...(body ? [`content-length: ${Buffer.byteLength(body)}`] : []),
  ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
].join('\r\n') + `\r\n\r\n${body}`;

/** A JSON POST; the body is returned as received (chunked framing left in place). */
export async function rawPost(port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const answer = await sendRaw(port, requestText('POST', path, { 'content-type': 'application/json', ...headers }, body), { unframe: false });
  return { status: answer.status, body: answer.body };
}

/** Sends `method path` exactly as written (fetch and curl resolve dot segments client-side; this does not). */
export function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  return sendRaw(port, requestText(method, path, headers, body));
}
