// Structured JSON-lines logger. Every message and field passes through redaction, so keys never
// reach the logs. Level from SWITCHYARD_LOG (debug|info|warn|error|silent; default info);
// SWITCHYARD_LOG_FORMAT=pretty writes `12:00:01.234 INFO  message key=value ...` lines for humans.
// Hot lines (the request log) may use `json`: fields serialised by the caller from numbers and
// `json.str()` values (redacted, memoised), so a line costs no object, no stringify and no full scan.

import { redact } from './upstream/redact.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

/** The JSON fast path of a logger (absent in pretty format: callers fall back to fields). */
export interface JsonLines {
  /** Would a line at this level be written? */
  enabled(level: Level): boolean;
  /** `s` as a redacted JSON string literal. `memo`: the value repeats (names), so keep its result. */
  str(s: string, memo?: boolean): string;
  /** Writes `{"time":…,"level":…,"msg":…,<fields>}`; `fields` is `"k":v,…` built from numbers, booleans, null and str(). */
  write(level: Level, message: string, fields: string): void;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Secrets of the active config, masked wherever they appear. */
  setSecrets(secrets: readonly string[]): void;
  /** Writes buffered lines now (before process.exit). */
  flush?(): void;
  json?: JsonLines;
}

/**
 * Info and debug lines (one per request with the request log) leave in one stdout write per event-loop
 * turn: a write per line costs a syscall each (3-6 µs on a pipe), a batch costs one. Order is kept; the
 * batch is flushed before the loop goes on (setImmediate) or once it holds 64 KiB; `flush()` at shutdown.
 */
class StdoutBatch {
  private pending = '';
  private scheduled = false;

  constructor(private readonly out: (text: string) => void) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= 65_536) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.out(text);
  }
}

/** One human-readable line: time, level, message, then key=value pairs (values quoted when needed). */
export function prettyLine(time: Date, lvl: Level, message: string, fields?: LogFields): string {
  const pairs = Object.entries(fields ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => {
      const text = Array.isArray(v) ? v.join(',') : String(v);
      return `${k}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
    });
  return [time.toISOString().slice(11, 23), lvl.toUpperCase().padEnd(5), message, ...pairs].join(' ');
}

/** Memoised redacted literals: names repeat on every line; bounded (cleared when full). */
const MEMO_LIMIT = 2_000;
const WORD = /^\w*$/;

/** Where lines go: info and debug to `out` (in batches), warn and error to `err` (one write each). */
export interface LogSink {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: LogSink = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

export function createLogger(level = (process.env.SWITCHYARD_LOG ?? 'info') as Level | 'silent', format = process.env.SWITCHYARD_LOG_FORMAT === 'pretty' ? 'pretty' : 'json', sink: LogSink = STDIO): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const out = new StdoutBatch(sink.out);
  let secrets: readonly string[] = [];
  let wordSecrets: readonly string[] = [];
  const memo = new Map<string, string>();
  // The ISO time of the current millisecond: lines within one millisecond share it.
  let lastMs = -1;
  let lastIso = '';
  const isoNow = () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      lastIso = new Date(now).toISOString();
    }
    return lastIso;
  };
  const emit = (lvl: Level, safe: string) => {
    if (lvl === 'error' || lvl === 'warn') sink.err(safe + '\n');
    else out.write(safe + '\n');
  };
  const write = (lvl: Level, message: string, fields?: LogFields) => {
    if (ORDER[lvl] < threshold) return;
    const line = format === 'pretty' ? prettyLine(new Date(), lvl, message, fields) : JSON.stringify({ time: isoNow(), level: lvl, msg: message, ...fields });
    emit(lvl, redact(line, secrets));
  };
  const json: JsonLines = {
    enabled: (lvl) => ORDER[lvl] >= threshold,
    str(s, keep = true) {
      const hit = keep ? memo.get(s) : undefined;
      if (hit !== undefined) return hit;
      // Word characters only (request ids): nothing to escape, and only an AIza-shaped key or a secret
      // made of word characters could match; redact() would return it unchanged otherwise.
      const safe = WORD.test(s) && !s.includes('AIza') && !wordSecrets.some((w) => s.includes(w)) ? `"${s}"` : redact(JSON.stringify(s), secrets);
      if (keep) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(s, safe);
      }
      return safe;
    },
    write(lvl, message, fields) {
      if (ORDER[lvl] < threshold) return;
      emit(lvl, `{"time":"${isoNow()}","level":"${lvl}","msg":${json.str(message)}${fields ? ',' : ''}${fields}}`);
    },
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    setSecrets: (s) => {
      secrets = s;
      wordSecrets = s.filter((x) => x && WORD.test(x));
      memo.clear();
    },
    flush: () => out.flush(),
    json: format === 'json' ? json : undefined,
  };
}
