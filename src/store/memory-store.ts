import type { Store, ThreadRecord } from './store.js';

interface Claim {
  owner: string;
  expiresAt: number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly threads = new Map<string, ThreadRecord>();
  private readonly claims = new Map<string, Claim>();

  constructor(private readonly now: () => number = Date.now) {}

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const r = this.threads.get(key);
    return r && { ...r };
  }

  async setThread(key: string, record: ThreadRecord): Promise<void> {
    this.threads.set(key, { ...record });
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

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [k, c] of this.claims) if (c.expiresAt <= now) this.claims.delete(k);
  }
}
