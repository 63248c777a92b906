import { LocallyCoordinatedStore } from './locally-coordinated-store.js';
import type { ReplyRecord, Store, ThreadRecord } from './store.js';

interface Claim {
  owner: string;
  expiresAt: number;
}

/** Everything in memory: for tests and trials (forgets all on restart). */
export class MemoryStore extends LocallyCoordinatedStore implements Store {
  readonly kind = 'memory' as const;
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly claims = new Map<string, Claim>();
  private readonly replies = new Map<string, { record: ReplyRecord; expiresAt: number }>();
  private readonly records = new Map<string, string>();
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();
  constructor(now: () => number = Date.now) {
    super(now);
  }

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const r = this.threads.get(key);
    return r && { ...r };
  }

  async setThread(key: string, record: ThreadRecord, fence?: number): Promise<boolean> {
    if (this.isStale(key, fence)) return false;
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

  async getReply(key: string): Promise<ReplyRecord | undefined> {
    const r = this.replies.get(key);
    return r && r.expiresAt > this.now() ? structuredClone(r.record) : undefined;
  }

  async setReply(key: string, record: ReplyRecord, ttlMs: number): Promise<void> {
    this.replies.set(key, { record: structuredClone(record), expiresAt: this.now() + ttlMs });
  }

  async getRecord(key: string): Promise<string | undefined> {
    return this.records.get(key);
  }

  async setRecord(key: string, value: string): Promise<void> {
    this.records.set(key, value);
  }

  async deleteRecord(key: string): Promise<void> {
    this.records.delete(key);
  }

  async countHit(key: string, ttlMs: number): Promise<number> {
    const now = this.now();
    const held = this.counters.get(key);
    const next = held && held.expiresAt > now ? { count: held.count + 1, expiresAt: held.expiresAt } : { count: 1, expiresAt: now + ttlMs };
    this.counters.set(key, next);
    if (this.counters.size > 10_000) for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
    return next.count;
  }

  async listRecords(prefix: string): Promise<Array<{ key: string; value: string }>> {
    return [...this.records].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => ({ key, value }));
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [k, c] of this.claims) if (c.expiresAt <= now) this.claims.delete(k);
    for (const [k, r] of this.replies) if (r.expiresAt <= now) this.replies.delete(k);
  }
}
