// The Redis connection for shared live state: one command connection and one subscriber connection
// (ioredis), a key prefix, short command timeouts, fail-fast when disconnected (no offline queue: a
// request must not wait for a Redis that is down), reconnecting forever in the background, and an
// up/down flag with the last error for /ready and the logs. Lua scripts run by EVALSHA with an EVAL
// fallback on NOSCRIPT (a restarted or flushed Redis forgets loaded scripts). Under Bun the scripts (the
// per-request admissions and the batched settles) go through a third connection on Bun's built-in client
// (./bun-link.ts, about half the client CPU per call); elsewhere through the ioredis command connection.
// Shared state is up when every connection is.

import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../log.ts';
import { AnswerWatch } from './answer-watch.ts';
import { BunScriptLink } from './bun-link.ts';
import { RedisClock } from './clock.ts';
import { evalOnNoScript } from './noscript.ts';

export interface RedisSettings {
  url: string;
  prefix: string;
  onUnavailable: 'reject' | 'allow';
  /** Per-command timeout in ms. */
  timeoutMs: number;
}

export type ScriptReply = string | number | null | ScriptReply[];

export interface Script {
  readonly lua: string;
  readonly sha: string;
}

export function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

type Listener = (message: Record<string, unknown>) => void;

/** Bun's built-in client for the scripts: under Bun (the runtime check), unless SWITCHYARD_REDIS_SCRIPTS=ioredis. */
function bunScripts(): boolean {
  return typeof globalThis.Bun?.RedisClient === 'function' && process.env.SWITCHYARD_REDIS_SCRIPTS !== 'ioredis';
}

export class RedisState {
  readonly client: Redis;
  private readonly sub: Redis;
  /** Under Bun: the script connection (./bun-link.ts); undefined: scripts run on `client`. */
  private readonly link: BunScriptLink | undefined;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly readyListeners = new Set<() => void>();
  private upState = false;
  private clientUp = false;
  private linkUp = false;
  private lastError = '';
  private closed = false;
  /** A connected Redis that stopped answering (answer-watch.ts). */
  private readonly answers: AnswerWatch;
  /** Redis's clock as this process estimates it (./clock.ts), for the admission calls' deadlines. */
  readonly clock = new RedisClock();

  constructor(readonly settings: RedisSettings, private readonly log: Logger) {
    const options = {
      commandTimeout: settings.timeoutMs,
      connectTimeout: Math.max(1000, settings.timeoutMs * 5),
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // Off: admissions and settles are batched by us (one command per batch), so ioredis's auto-pipelining
      // only added a setImmediate turn and a pipeline object per command.
      enableAutoPipelining: false,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
      lazyConnect: true,
    };
    this.client = new Redis(settings.url, options);
    this.sub = new Redis(settings.url, { ...options, enableAutoPipelining: false });
    this.client.on('ready', () => this.mark('client', true));
    this.client.on('error', (err: Error) => this.mark('client', false, err.message));
    this.client.on('close', () => this.mark('client', false, this.lastError || 'connection closed'));
    this.link = bunScripts()
      ? new BunScriptLink(settings.url, settings.timeoutMs, { up: () => this.mark('link', true), down: (error) => this.mark('link', false, error) })
      : undefined;
    this.linkUp = !this.link;
    this.answers = new AnswerWatch(Math.max(250, settings.timeoutMs), () => this.client.ping(), () => this.mark('answers', this.answers.answering, `Redis does not answer within ${settings.timeoutMs} ms (connected, but paused, overloaded or busy in a long command)`));
    this.sub.on('message', (channel: string, text: string) => this.dispatch(channel, text));
    this.sub.on('ready', () => void this.resubscribe());
    this.sub.on('error', () => {});
  }

  /** Connects every connection; resolves false (and keeps retrying in the background) when Redis is down. */
  async connect(): Promise<boolean> {
    const results = await Promise.allSettled([this.client.connect(), this.sub.connect(), this.link?.connect() ?? true]);
    return results.every((r) => r.status === 'fulfilled' && r.value !== false) && this.upState;
  }

  get up(): boolean {
    return this.upState && this.client.status === 'ready' && (this.link?.up ?? true);
  }

  /** Which client runs the scripts (the hot path): 'bun' or 'ioredis'. */
  get scriptClient(): 'bun' | 'ioredis' {
    return this.link ? 'bun' : 'ioredis';
  }

  /** Calls `listener` whenever shared state comes up (connected, and after every reconnect). */
  onReady(listener: () => void): void {
    this.readyListeners.add(listener);
  }

  offReady(listener: () => void): void {
    this.readyListeners.delete(listener);
  }

  get error(): string {
    return this.lastError;
  }

  key(...parts: string[]): string {
    return `${this.settings.prefix}:${parts.join(':')}`;
  }

  run(s: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<ScriptReply> {
    if (this.link) return this.answers.observe(this.link.run(s, keys, args));
    return this.answers.observe(evalOnNoScript(
      this.client.evalsha(s.sha, keys.length, ...keys, ...args) as Promise<ScriptReply>,
      () => this.client.eval(s.lua, keys.length, ...keys, ...args) as Promise<ScriptReply>,
    ));
  }

  /** Publishes an event to every gateway process sharing this Redis (and prefix). */
  async publish(channel: string, message: Record<string, unknown>): Promise<void> {
    await this.client.publish(this.key('events', channel), JSON.stringify(message));
  }

  on(channel: string, listener: Listener): void {
    const full = this.key('events', channel);
    const list = this.listeners.get(full) ?? [];
    list.push(listener);
    this.listeners.set(full, list);
    if (this.sub.status === 'ready') void this.sub.subscribe(full).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    this.answers.stop();
    this.link?.close();
    this.client.disconnect();
    this.sub.disconnect();
  }

  private async resubscribe(): Promise<void> {
    const channels = [...this.listeners.keys()];
    if (channels.length) await this.sub.subscribe(...channels).catch(() => {});
  }

  private dispatch(channel: string, text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const l of this.listeners.get(channel) ?? []) {
      try {
        l(message);
      } catch (err) {
        this.log.warn('redis event handler failed', { channel, error: String((err as Error)?.message ?? err) });
      }
    }
  }

  /** One connection came up or went down; shared state is up when all are (logged on each change). */
  private mark(which: 'client' | 'link' | 'answers', connected: boolean, error = ''): void {
    if (this.closed) return;
    if (which === 'client') this.clientUp = connected;
    else if (which === 'link') this.linkUp = connected;
    // A lost connection may come back to another Redis (a failover behind one address): learn its clock anew.
    if (!connected && which !== 'answers') this.clock.forget();
    // ioredis says why (e.g. ECONNREFUSED); Bun's client only "Connection closed": keep the more precise one.
    if (!connected && (which !== 'link' || this.clientUp || !this.lastError)) this.lastError = error;
    const up = this.clientUp && this.linkUp && this.answers.answering;
    if (up && !this.upState) this.log.info('redis connected', { prefix: this.settings.prefix });
    if (!up && this.upState) this.log.error('redis unavailable; shared state is off until it returns', { error: this.lastError, on_unavailable: this.settings.onUnavailable });
    const cameUp = up && !this.upState;
    this.upState = up;
    if (cameUp) for (const l of this.readyListeners) l();
  }
}
