// Experiment (issue 13, not part of `bun run bench`): the bare proxy of bench/bare-proxy.ts with Bun's fetch
// replaced by a minimal HTTP/1.1 client on Bun.connect sockets, so that the upstream call runs on the main
// thread's event loop instead of Bun's HTTP client thread. Keep-alive pool, content-length and chunked
// answers (non-streamed: the answer is collected, then returned). Prints {"port":N} when listening.
// Question: what does fetch's hand-off to its own thread cost a forwarding server in CPU and latency?

import type { Socket } from 'bun';
import { serveForwarding } from './forwarding-server.ts';

const upstream = new URL(process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:1');
const hostHeader = `host: ${upstream.host}\r\n`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Exchange {
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  head?: { status: number; contentType: string; length: number; chunked: boolean };
  parts: Uint8Array[];
  have: number;
}

interface Conn { socket: Socket<Conn>; pending?: Exchange; buf?: Uint8Array }

const idle: Conn[] = [];

function finish(conn: Conn, body: Uint8Array): void {
  const ex = conn.pending!;
  conn.pending = undefined;
  idle.push(conn);
  ex.resolve(new Response(body as BodyInit, { status: ex.head!.status, headers: { 'content-type': ex.head!.contentType } }));
}

function concat(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (!a || a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function onData(conn: Conn, data: Uint8Array): void {
  const ex = conn.pending;
  if (!ex) return;
  let buf = concat(conn.buf, data);
  if (!ex.head) {
    let end = -1;
    for (let i = 3; i < buf.length; i++) if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) { end = i + 1; break; }
    if (end < 0) { conn.buf = buf; return; }
    const lines = decoder.decode(buf.subarray(0, end - 4)).split('\r\n');
    const status = Number(lines[0]!.slice(9, 12));
    let contentType = 'application/json';
    let length = -1;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'content-type') contentType = value;
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    }
    ex.head = { status, contentType, length, chunked };
    buf = buf.subarray(end);
  }
  if (!ex.head.chunked) {
    if (buf.length >= ex.head.length) { conn.buf = undefined; finish(conn, buf.subarray(0, ex.head.length)); }
    else conn.buf = buf;
    return;
  }
  // chunked: size CRLF data CRLF ... 0 CRLF CRLF
  let pos = 0;
  for (;;) {
    let lineEnd = -1;
    for (let i = pos + 1; i < buf.length; i++) if (buf[i] === 10 && buf[i - 1] === 13) { lineEnd = i; break; }
    if (lineEnd < 0) break;
    const size = parseInt(decoder.decode(buf.subarray(pos, lineEnd - 1)), 16);
    if (size === 0) {
      if (buf.length < lineEnd + 3) break;
      const body = new Uint8Array(ex.have);
      let at = 0;
      for (const p of ex.parts) { body.set(p, at); at += p.length; }
      conn.buf = undefined;
      finish(conn, body);
      return;
    }
    if (buf.length < lineEnd + 1 + size + 2) break;
    ex.parts.push(buf.slice(lineEnd + 1, lineEnd + 1 + size));
    ex.have += size;
    pos = lineEnd + 1 + size + 2;
  }
  conn.buf = buf.subarray(pos);
}

async function connect(): Promise<Conn> {
  const conn = {} as Conn;
  conn.socket = await Bun.connect<Conn>({
    hostname: upstream.hostname,
    port: Number(upstream.port),
    data: conn,
    socket: {
      data: (s, d) => onData(s.data, d),
      close: (s) => {
        const i = idle.indexOf(s.data);
        if (i >= 0) idle.splice(i, 1);
        s.data.pending?.reject(new Error('upstream closed'));
      },
      error: (s, e) => s.data.pending?.reject(e),
    },
  });
  return conn;
}

async function call(path: string, body: Uint8Array): Promise<Response> {
  const conn = idle.pop() ?? (await connect());
  return new Promise<Response>((resolve, reject) => {
    conn.pending = { resolve, reject, parts: [], have: 0 };
    const head = encoder.encode(`POST ${path} HTTP/1.1\r\n${hostHeader}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    conn.socket.write(concat(head, body));
  });
}

serveForwarding(async (req) => {
  const url = new URL(req.url);
  return call(url.pathname + url.search, new Uint8Array(await req.arrayBuffer()));
});
