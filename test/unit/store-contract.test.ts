import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { TestRedis } from '../support/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'store-'));
const redis = new TestRedis();
beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await redis.stop();
});

let prefix = 0;
/**
 * The same contract for every store implementation. Clock-driven cases use a clock the test
 * moves by hand; Redis keeps its own time, so those cases run on real time there.
 */
const implementations: Array<[string, (now: () => number) => Store, boolean]> = [
  ['memory', (now) => new MemoryStore(now), true],
  ['sqlite', (now) => new SqliteStore(join(dir, `${Math.random()}.db`), now), true],
  ['redis', () => new RedisStore(redis.url, `test${++prefix}:`), false],
];

describe.each(implementations)('%s store', (_name, make, manualClock) => {
  it('keeps thread records, replacing them whole', async () => {
    const store = make(Date.now);
    expect(await store.getThread('thread:T:C:1')).toBeUndefined();
    await store.setThread('thread:T:C:1', { appId: 'a' });
    expect(await store.getThread('thread:T:C:1')).toEqual({ appId: 'a' });
    await store.setThread('thread:T:C:1', { appId: 'a', conversationId: 'c1' });
    expect(await store.getThread('thread:T:C:1')).toEqual({ appId: 'a', conversationId: 'c1' });
    await store.setThread('thread:T:C:1', { appId: 'b' });
    expect(await store.getThread('thread:T:C:1')).toEqual({ appId: 'b' });
    await store.close();
  });

  /** A clock for the store and a way to let time pass: by hand where possible, else for real. */
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, pass: async (ms: number) => (manualClock ? void (now += ms) : await new Promise((r) => setTimeout(r, ms))) };
  };
  const unit = manualClock ? 1000 : 100;

  it('claims once; a live lease or a finished claim keeps others out until it expires', async () => {
    const c = clock();
    const store = make(c.now);
    expect(await store.claim('k', 'A', unit)).toBe(true);
    expect(await store.claim('k', 'B', unit)).toBe(false);
    await c.pass(unit * 0.6);
    expect(await store.renewClaim('k', 'A', unit)).toBe(true);
    await c.pass(unit * 0.6);
    expect(await store.claim('k', 'B', unit)).toBe(false);
    await store.finishClaim('k', 'A', unit * 5);
    await c.pass(unit * 2);
    expect(await store.claim('k', 'B', unit)).toBe(false);
    expect(await store.renewClaim('k', 'A', unit)).toBe(false);
    await c.pass(unit * 3.5);
    expect(await store.claim('k', 'B', unit)).toBe(true);
    await store.close();
  });

  it('lets another owner take over a claim whose holder died (lease ran out)', async () => {
    const c = clock();
    const store = make(c.now);
    expect(await store.claim('k2', 'dead', unit)).toBe(true);
    await c.pass(unit * 1.5);
    expect(await store.claim('k2', 'alive', unit)).toBe(true);
    expect(await store.renewClaim('k2', 'dead', unit)).toBe(false);
    await store.close();
  });

  it("gives a thread's turns in ts order, one at a time, with a growing fence", async () => {
    const store = make(Date.now);
    const order: string[] = [];
    let running = 0;
    let overlap = false;
    const turn = async (ts: string, owner: string, delay: number) => {
      await new Promise((r) => setTimeout(r, delay));
      const fence = await store.waitTurn('t1', ts, owner, 5000);
      running++;
      if (running > 1) overlap = true;
      order.push(ts);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      await store.endTurn('t1', ts, owner);
      return fence;
    };
    // While the first runs, a later message queues before an earlier one: they still go in ts order.
    const fences = await Promise.all([turn('100.000001', 'A', 0), turn('100.000003', 'A', 5), turn('100.000002', 'B', 10)]);
    expect(order).toEqual(['100.000001', '100.000002', '100.000003']);
    expect(overlap).toBe(false);
    expect(new Set(fences).size).toBe(3);
    // Another thread is not held up.
    expect(await store.waitTurn('t2', '100.000009', 'C', 5000)).toBeGreaterThan(0);
    await store.close();
  });

  it('drops a queued message whose holder died, so the thread goes on', async () => {
    const store = make(Date.now);
    await store.waitTurn('t3', '200.000001', 'dead', 150); // holds the thread, never ends
    const started = Date.now();
    expect(await store.waitTurn('t3', '200.000002', 'alive', 5000)).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3000);
    await store.close();
  });

  it('refuses a thread write from a turn that was taken over (fencing)', async () => {
    const store = make(Date.now);
    const old = await store.waitTurn('thread:T:C:9', '300.000001', 'A', 100);
    await new Promise((r) => setTimeout(r, 250)); // A stalls past its lease
    const next = await store.waitTurn('thread:T:C:9', '300.000002', 'B', 5000);
    expect(await store.setThread('thread:T:C:9', { appId: 'a', conversationId: 'new' }, next)).toBe(true);
    expect(await store.setThread('thread:T:C:9', { appId: 'a', conversationId: 'stale' }, old)).toBe(false);
    expect((await store.getThread('thread:T:C:9'))?.conversationId).toBe('new');
    // A thread the bot was called into keeps saying so.
    await store.setThread('thread:T:C:10', { appId: 'a', summoned: true });
    expect(await store.getThread('thread:T:C:10')).toEqual({ appId: 'a', summoned: true });
    await store.close();
  });

  it('keeps durable records until deleted', async () => {
    const store = make(Date.now);
    expect(await store.getRecord('installation:T1')).toBeUndefined();
    await store.setRecord('installation:T1', 'sealed-1');
    await store.setRecord('installation:T1', 'sealed-2');
    await store.setRecord('installation:T2', 'other');
    expect(await store.getRecord('installation:T1')).toBe('sealed-2');
    await store.deleteRecord('installation:T1');
    expect(await store.getRecord('installation:T1')).toBeUndefined();
    expect(await store.getRecord('installation:T2')).toBe('other');
    await store.deleteRecord('installation:T9');
  });

  it('counts uses of a key until its window ends, then starts again', async () => {
    const c = clock();
    const store = make(c.now);
    const window = 3 * unit;
    expect(await store.countHit('quota:a', window)).toBe(1);
    expect(await store.countHit('quota:a', window)).toBe(2);
    expect(await store.countHit('quota:b', window)).toBe(1);
    expect(await store.countHit('quota:a', window)).toBe(3);
    await c.pass(window + unit);
    expect(await store.countHit('quota:a', window)).toBe(1);
    await store.close();
  });

  it('lists durable records by key prefix (and no others)', async () => {
    const store = make(Date.now);
    await store.setRecord('run:a', '1');
    await store.setRecord('run:b', '2');
    await store.setRecord('runner:x', '3');
    await store.setRecord('installation:T1', 'x');
    await store.setRecord('run*:odd', '4');
    expect(await store.listRecords('run:')).toEqual([
      { key: 'run:a', value: '1' },
      { key: 'run:b', value: '2' },
    ]);
    expect(await store.listRecords('run*')).toEqual([{ key: 'run*:odd', value: '4' }]);
    await store.deleteRecord('run:a');
    expect((await store.listRecords('run:')).map((r) => r.key)).toEqual(['run:b']);
    expect(await store.listRecords('nothing:')).toEqual([]);
    await store.close();
  });

  it('keeps reply records', async () => {
    const store = make(Date.now);
    await store.setReply('message:T:C:1', { channelId: 'C', ts: ['1.1', '1.2'], difyMessageId: 'm' }, 60_000);
    expect(await store.getReply('message:T:C:1')).toEqual({ channelId: 'C', ts: ['1.1', '1.2'], difyMessageId: 'm' });
    expect(await store.getReply('message:T:C:2')).toBeUndefined();
    await store.close();
  });

  it('shares a workspace edit allowance, and pauses it after a 429', async () => {
    const store = make(Date.now);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) waits.push(await store.takeEdit('T9', 60)); // 1 per second, 10 s burst
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits[10]).toBeGreaterThan(0);
    expect(waits[10]).toBeLessThanOrEqual(1000);
    expect(await store.takeEdit('T8', 60)).toBe(0); // another workspace has its own
    await store.pauseEdits('T8', 2000);
    const paused = await store.takeEdit('T8', 60);
    expect(paused).toBeGreaterThan(1500);
    expect(paused).toBeLessThanOrEqual(2000);
    await store.close();
  });

  it('keeps intermediate edits back while a final edit waits for the allowance', async () => {
    const store = make(Date.now);
    for (let i = 0; i < 10; i++) expect(await store.takeEdit('T6', 60)).toBe(0); // the burst, spent
    const finalWait = await store.takeEdit('T6', 60, true);
    expect(finalWait).toBeGreaterThan(0);
    expect(finalWait).toBeLessThanOrEqual(1000);
    // An intermediate edit asked for later must wait at least until the final is back, and a second more.
    expect(await store.takeEdit('T6', 60)).toBeGreaterThan(finalWait);
    expect(await store.takeEdit('T5', 60)).toBe(0); // another workspace is not held back
    await store.close();
  });

  it("holds each active stream's final edit in the window: intermediate edits get only what is left", async () => {
    const store = make(Date.now);
    for (let i = 0; i < 57; i++) await store.activeStreams('T4', `s${i}`, true);
    // 60 a minute, 57 streaming: 3 intermediate edits, then only finals.
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await store.takeEdit('T4', 60));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(30_000);
    expect(await store.takeEdit('T4', 60, true)).toBe(0);
    // More streams than the allowance: no intermediate edit at all, asked again a little later.
    for (let i = 0; i < 70; i++) await store.activeStreams('T3', `s${i}`, true);
    const held = await store.takeEdit('T3', 60);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(5_000);
    expect(await store.takeEdit('T3', 60, true)).toBe(0);
    await store.close();
  });

  it("counts a workspace's active streams", async () => {
    const store = make(Date.now);
    expect(await store.activeStreams('T7', 'a', true)).toBe(1);
    expect(await store.activeStreams('T7', 'b', true)).toBe(2);
    expect(await store.activeStreams('T7', 'a', false)).toBe(1);
    await store.close();
  });

  it('claims atomically under concurrent attempts', async () => {
    const store = make(Date.now);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('race', `o${i}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.close();
  });
});

describe('sqlite store files from before', () => {
  it('gains the threads.summoned column, keeping every thread', async () => {
    const { default: Database } = await import('better-sqlite3');
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.exec('CREATE TABLE threads (key TEXT PRIMARY KEY, app_id TEXT NOT NULL, conversation_id TEXT, updated_at INTEGER NOT NULL)');
    old.prepare('INSERT INTO threads VALUES (?, ?, ?, ?)').run('thread:T:C:1', 'helpdesk', 'conv-1', 1);
    old.close();
    const store = new SqliteStore(file);
    expect(await store.getThread('thread:T:C:1')).toEqual({ appId: 'helpdesk', conversationId: 'conv-1' });
    await store.setThread('thread:T:C:2', { appId: 'helpdesk', summoned: true });
    expect(await store.getThread('thread:T:C:2')).toEqual({ appId: 'helpdesk', summoned: true });
    await store.close();
    // Opening it again is a no-op.
    const again = new SqliteStore(file);
    expect(await again.getThread('thread:T:C:2')).toEqual({ appId: 'helpdesk', summoned: true });
    await again.close();
  });
});
