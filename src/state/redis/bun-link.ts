// The hot-path script connection under Bun: EVALSHA (EVAL on NOSCRIPT) through Bun's built-in RedisClient,
// which costs about half of ioredis's client CPU per call (bench/redis-clients.ts). Bun's client has no
// per-command timeout, so each call gets a deadline on the process's coarse timer wheel (one unref'd 10 ms
// interval, no timer per call) and is rejected when it passes; the late reply is then ignored. No offline
// queue (a call while disconnected fails at once), and our own reconnect loop (Bun's gives up after
// maxRetries and reports nothing while it retries): on every loss it says so and tries again forever, backing
// off as the ioredis connection does. Replies arrive as RESP3 (Bun sends HELLO 3); a script's reply maps to
// the same values as ioredis's RESP2 (integers as numbers, strings, nil/false as null, nested arrays).

import { deadlines } from '../../runtime/deadline-wheel.ts';
import type { Script, ScriptReply } from './client.ts';
import { evalOnNoScript } from './noscript.ts';

export interface LinkEvents {
  /** Connected (first time and after every reconnect). */
  up(): void;
  /** The connection failed or was lost; it keeps reconnecting. */
  down(error: string): void;
}

export class BunScriptLink {
  private readonly client: InstanceType<typeof Bun.RedisClient>;
  private attempts = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private connecting: Promise<boolean> | undefined;

  constructor(url: string, private readonly timeoutMs: number, private readonly events: LinkEvents) {
    this.client = new Bun.RedisClient(url, {
      connectionTimeout: Math.max(1000, timeoutMs * 5),
      autoReconnect: false,
      enableOfflineQueue: false,
      // Off: admissions and settles are batched by us (one command per batch); measured dearer when on.
      enableAutoPipelining: false,
    });
    this.client.onclose = (err: Error) => this.lost(err?.message || 'connection closed');
  }

  get up(): boolean {
    return this.client.connected;
  }

  /** Resolves true once connected, false after a failed first try (retrying in the background). */
  connect(): Promise<boolean> {
    this.connecting ??= this.client.connect().then(
      () => {
        this.connecting = undefined;
        this.attempts = 0;
        this.events.up();
        return true;
      },
      (err: unknown) => {
        this.connecting = undefined;
        this.lost(String((err as Error)?.message ?? err));
        return false;
      },
    );
    return this.connecting;
  }

  run(s: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<ScriptReply> {
    return evalOnNoScript(
      this.timed(this.client.evalsha(s.sha, keys.length, ...keys, ...args)),
      () => this.timed(this.client.eval(s.lua, keys.length, ...keys, ...args)),
    );
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.client.onclose = null;
    this.client.close();
  }

  /** The call's reply, or a rejection once `timeoutMs` passed without one (the reply is then ignored). */
  private timed(call: Promise<ScriptReply>): Promise<ScriptReply> {
    return new Promise<ScriptReply>((resolve, reject) => {
      const deadline = deadlines.after(this.timeoutMs, () => reject(new Error(`Redis command timed out after ${this.timeoutMs} ms`)));
      call.then(
        (reply) => {
          deadline.cancel();
          resolve(reply);
        },
        (err: unknown) => {
          deadline.cancel();
          reject(err);
        },
      );
    });
  }

  private lost(error: string): void {
    if (this.closed) return;
    this.events.down(error);
    if (this.retry || this.connecting) return;
    this.attempts += 1;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, Math.min(100 * this.attempts, 2000));
    this.retry.unref?.();
  }
}
