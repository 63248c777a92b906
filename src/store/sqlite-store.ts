import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LocallyCoordinatedStore } from './locally-coordinated-store.js';
import type { ReplyRecord, Store, ThreadRecord } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS threads (
  key TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  conversation_id TEXT,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires_at);
CREATE TABLE IF NOT EXISTS replies (
  key TEXT PRIMARY KEY,
  record TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

/**
 * The embedded default: one file, survives restarts, for one process (turns and the edit
 * allowance live in that process's memory; several replicas need Redis).
 */
export class SqliteStore extends LocallyCoordinatedStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmts;
  private claimsSinceSweep = 0;
  private countsSinceSweep = 0;

  constructor(path: string, now: () => number = Date.now) {
    super(now);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Files written before threads knew `summoned` gain the column (every older row: not summoned).
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(threads)').all();
    if (!columns.some((c) => c.name === 'summoned')) this.db.exec('ALTER TABLE threads ADD COLUMN summoned INTEGER NOT NULL DEFAULT 0');
    this.stmts = {
      getThread: this.db.prepare<[string], { app_id: string; conversation_id: string | null; summoned: number }>(
        'SELECT app_id, conversation_id, summoned FROM threads WHERE key = ?',
      ),
      setThread: this.db.prepare<[string, string, string | null, number, number]>(
        `INSERT INTO threads (key, app_id, conversation_id, summoned, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET app_id = excluded.app_id, conversation_id = excluded.conversation_id, summoned = excluded.summoned, updated_at = excluded.updated_at`,
      ),
      // Insert, or take over a claim whose lease has run out; changes === 1 means we hold it.
      claim: this.db.prepare<[string, string, number, number]>(
        `INSERT INTO claims (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE claims.expires_at <= ?`,
      ),
      renew: this.db.prepare<[number, string, string]>('UPDATE claims SET expires_at = ? WHERE key = ? AND owner = ?'),
      finish: this.db.prepare<[string, number, string, string]>('UPDATE claims SET owner = ?, expires_at = ? WHERE key = ? AND owner = ?'),
      sweep: this.db.prepare<[number]>('DELETE FROM claims WHERE expires_at <= ?'),
      sweepReplies: this.db.prepare<[number]>('DELETE FROM replies WHERE expires_at <= ?'),
      getReply: this.db.prepare<[string, number], { record: string }>('SELECT record FROM replies WHERE key = ? AND expires_at > ?'),
      getRecord: this.db.prepare<[string], { value: string }>('SELECT value FROM records WHERE key = ?'),
      setRecord: this.db.prepare<[string, string, number]>(
        'INSERT INTO records (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      deleteRecord: this.db.prepare<[string]>('DELETE FROM records WHERE key = ?'),
      // A counter past its expiry starts again at 1.
      countHit: this.db.prepare<[{ key: string; now: number; expires: number }], { count: number }>(
        `INSERT INTO counters (key, count, expires_at) VALUES (@key, 1, @expires)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN counters.expires_at <= @now THEN 1 ELSE counters.count + 1 END,
           expires_at = CASE WHEN counters.expires_at <= @now THEN @expires ELSE counters.expires_at END
         RETURNING count`,
      ),
      sweepCounters: this.db.prepare<[number]>('DELETE FROM counters WHERE expires_at <= ?'),
      // substr, not LIKE: a prefix may hold LIKE's wildcards.
      listRecords: this.db.prepare<[number, string], { key: string; value: string }>('SELECT key, value FROM records WHERE substr(key, 1, ?) = ? ORDER BY key'),
      setReply: this.db.prepare<[string, string, number]>(
        'INSERT INTO replies (key, record, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET record = excluded.record, expires_at = excluded.expires_at',
      ),
    };
  }

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const row = this.stmts.getThread.get(key);
    if (!row) return undefined;
    return { appId: row.app_id, ...(row.conversation_id ? { conversationId: row.conversation_id } : {}), ...(row.summoned ? { summoned: true } : {}) };
  }

  async setThread(key: string, record: ThreadRecord, fence?: number): Promise<boolean> {
    if (this.isStale(key, fence)) return false;
    this.stmts.setThread.run(key, record.appId, record.conversationId ?? null, record.summoned === true ? 1 : 0, this.now());
    return true;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.now();
    if (++this.claimsSinceSweep >= 1000) {
      this.claimsSinceSweep = 0;
      this.stmts.sweep.run(now);
      this.stmts.sweepReplies.run(now);
    }
    return this.stmts.claim.run(key, owner, now + leaseMs, now).changes === 1;
  }

  async renewClaim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.stmts.renew.run(this.now() + leaseMs, key, owner).changes === 1;
  }

  async finishClaim(key: string, owner: string, holdMs: number): Promise<void> {
    this.stmts.finish.run(`done:${owner}`, this.now() + holdMs, key, owner);
  }

  async getReply(key: string): Promise<ReplyRecord | undefined> {
    const row = this.stmts.getReply.get(key, this.now());
    return row ? (JSON.parse(row.record) as ReplyRecord) : undefined;
  }

  async setReply(key: string, record: ReplyRecord, ttlMs: number): Promise<void> {
    this.stmts.setReply.run(key, JSON.stringify(record), this.now() + ttlMs);
  }

  async getRecord(key: string): Promise<string | undefined> {
    return this.stmts.getRecord.get(key)?.value;
  }

  async setRecord(key: string, value: string): Promise<void> {
    this.stmts.setRecord.run(key, value, this.now());
  }

  async deleteRecord(key: string): Promise<void> {
    this.stmts.deleteRecord.run(key);
  }

  async countHit(key: string, ttlMs: number): Promise<number> {
    const now = this.now();
    if (++this.countsSinceSweep >= 1000) {
      this.countsSinceSweep = 0;
      this.stmts.sweepCounters.run(now);
    }
    return this.stmts.countHit.get({ key, now, expires: now + ttlMs })!.count;
  }

  async listRecords(prefix: string): Promise<Array<{ key: string; value: string }>> {
    return this.stmts.listRecords.all(prefix.length, prefix);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
