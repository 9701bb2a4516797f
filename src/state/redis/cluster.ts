// Cluster view: every gateway process heartbeats into Redis (id, host, pid, config hash, started,
// in flight) every 2 s with a 6 s TTL; GET /admin/cluster lists the live ones and flags config-hash
// drift (a rollout in progress, or a node that rejected the new file).

import { hostname } from 'node:os';
import type { RedisState } from './client.ts';

export interface NodeInfo {
  id: string;
  host: string;
  pid: number;
  config_hash: string;
  started_at: string;
  in_flight: number;
  last_seen: string;
}

const EVERY_MS = 2000;
const TTL_MS = 6000;

export class ClusterHeartbeat {
  readonly id = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;
  private readonly startedAt = new Date().toISOString();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly state: RedisState, private readonly facts: () => { hash: string; inFlight: number }) {
    this.timer = setInterval(() => void this.beat(), EVERY_MS);
    this.timer.unref?.();
    void this.beat();
  }

  async beat(): Promise<void> {
    if (!this.state.up) return;
    const { hash, inFlight } = this.facts();
    const info: NodeInfo = { id: this.id, host: hostname(), pid: process.pid, config_hash: hash, started_at: this.startedAt, in_flight: inFlight, last_seen: new Date().toISOString() };
    await this.state.client.multi()
      .set(this.state.key('node', this.id), JSON.stringify(info), 'PX', TTL_MS)
      .zadd(this.state.key('nodes'), String(Date.now()), this.id)
      .exec().catch(() => {});
  }

  /** Live processes and whether their config hashes differ. */
  async view(): Promise<{ nodes: NodeInfo[]; hashes: string[]; drift: boolean; self: string }> {
    const nodesKey = this.state.key('nodes');
    await this.state.client.zremrangebyscore(nodesKey, '-inf', Date.now() - TTL_MS * 10);
    const ids = await this.state.client.zrange(nodesKey, '0', '-1');
    const texts = ids.length ? await this.state.client.mget(...ids.map((id) => this.state.key('node', id))) : [];
    const nodes = texts.filter((t): t is string => !!t).map((t) => JSON.parse(t) as NodeInfo).sort((a, b) => a.id.localeCompare(b.id));
    const hashes = [...new Set(nodes.map((n) => n.config_hash))];
    return { nodes, hashes, drift: hashes.length > 1, self: this.id };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.state.up) await this.state.client.multi().del(this.state.key('node', this.id)).zrem(this.state.key('nodes'), this.id).exec().catch(() => {});
  }
}
