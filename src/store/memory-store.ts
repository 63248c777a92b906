import { LocalCoordination } from './local-coordination.js';
import type { ReplyRecord, Store, ThreadRecord } from './store.js';

interface Claim {
  owner: string;
  expiresAt: number;
}

/** Everything in memory: for tests and trials (forgets all on restart). */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly claims = new Map<string, Claim>();
  private readonly replies = new Map<string, { record: ReplyRecord; expiresAt: number }>();
  private readonly local: LocalCoordination;

  constructor(private readonly now: () => number = Date.now) {
    this.local = new LocalCoordination(now);
  }

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const r = this.threads.get(key);
    return r && { ...r };
  }

  async setThread(key: string, record: ThreadRecord, fence?: number): Promise<boolean> {
    if (fence !== undefined && fence < this.local.fence(key)) return false;
    this.threads.set(key, { ...record });
    return true;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.now();
    const held = this.claims.get(key);
    if (held && held.expiresAt > now) return false;
    this.claims.set(key, { owner, expiresAt: now + leaseMs });
    if (this.claims.size > 10_000) this.sweep(now);
    return true;
  }

  async renewClaim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const held = this.claims.get(key);
    if (!held || held.owner !== owner) return false;
    held.expiresAt = this.now() + leaseMs;
    return true;
  }

  async finishClaim(key: string, owner: string, holdMs: number): Promise<void> {
    const held = this.claims.get(key);
    if (held && held.owner === owner) this.claims.set(key, { owner: `done:${owner}`, expiresAt: this.now() + holdMs });
  }

  waitTurn(threadKey: string, ts: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<number> {
    return this.local.waitTurn(threadKey, ts, owner, leaseMs, signal);
  }

  renewTurn(threadKey: string, ts: string, owner: string, leaseMs: number): Promise<void> {
    return this.local.renewTurn(threadKey, ts, owner, leaseMs);
  }

  endTurn(threadKey: string, ts: string, owner: string): Promise<void> {
    return this.local.endTurn(threadKey, ts, owner);
  }

  async getReply(key: string): Promise<ReplyRecord | undefined> {
    const r = this.replies.get(key);
    return r && r.expiresAt > this.now() ? structuredClone(r.record) : undefined;
  }

  async setReply(key: string, record: ReplyRecord, ttlMs: number): Promise<void> {
    this.replies.set(key, { record: structuredClone(record), expiresAt: this.now() + ttlMs });
  }

  takeEdit(teamId: string, perMinute: number): Promise<number> {
    return this.local.takeEdit(teamId, perMinute);
  }

  pauseEdits(teamId: string, forMs: number): Promise<void> {
    return this.local.pauseEdits(teamId, forMs);
  }

  activeStreams(teamId: string, streamId: string, active: boolean): Promise<number> {
    return this.local.activeStreams(teamId, streamId, active);
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [k, c] of this.claims) if (c.expiresAt <= now) this.claims.delete(k);
    for (const [k, r] of this.replies) if (r.expiresAt <= now) this.replies.delete(k);
  }
}
