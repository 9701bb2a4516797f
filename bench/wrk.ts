// Throughput with wrk: POST bodies come from a generated Lua script; the output is parsed into
// req/s, latency percentiles and error counts.

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function wrkAvailable(): Promise<boolean> {
  return Bun.which('wrk') !== null;
}

export function wrkMissingMessage(): string {
  return [
    'bench: `wrk` is not installed; it measures the throughput part of the benchmark.',
    '  Debian/Ubuntu: sudo apt-get install -y wrk     macOS: brew install wrk',
    '  (set BENCH_SKIP_WRK=1 to run only the paced-latency and streaming parts)',
  ].join('\n');
}

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Writes a wrk Lua script that POSTs `body` with `headers` (or, with `method` GET, asks without a body) and returns its path. */
export async function writeLua(path: string, body: string, headers: Record<string, string>, method: 'POST' | 'GET' = 'POST'): Promise<string> {
  const lines = [
    `wrk.method = "${method}"`,
    ...(method === 'POST' ? [`wrk.body = ${luaString(body)}`] : []),
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
  ];
  await Bun.write(path, lines.join('\n') + '\n');
  return path;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n; // ms
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = out.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    errors,
    non2xx: Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0),
  };
}

export async function runWrk(url: string, lua: string, opts: { connections: number; threads: number; seconds: number }): Promise<WrkResult> {
  const args = ['wrk', `-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', '--timeout', '10s', '-s', lua, url];
  const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' });
  const killer = setTimeout(() => proc.kill('SIGKILL'), (opts.seconds + 15) * 1000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(killer);
  if (code !== 0) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
  const result = parseWrk(out);
  if (!Number.isFinite(result.rps)) throw new Error(`could not parse wrk output:\n${out}`);
  return result;
}
