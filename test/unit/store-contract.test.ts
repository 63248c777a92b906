import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The same contract for every store implementation; a clock the test moves by hand. */
const implementations: Array<[string, (now: () => number) => Store]> = [
  ['memory', (now) => new MemoryStore(now)],
  ['sqlite', (now) => new SqliteStore(join(dir, `${Math.random()}.db`), now)],
];

describe.each(implementations)('%s store', (_name, make) => {
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

  it('claims once; a live lease or a finished claim keeps others out until it expires', async () => {
    let now = 1_000_000;
    const store = make(() => now);
    expect(await store.claim('k', 'A', 1000)).toBe(true);
    expect(await store.claim('k', 'B', 1000)).toBe(false);
    now += 900;
    expect(await store.renewClaim('k', 'A', 1000)).toBe(true);
    now += 900;
    expect(await store.claim('k', 'B', 1000)).toBe(false);
    await store.finishClaim('k', 'A', 60_000);
    now += 30_000;
    expect(await store.claim('k', 'B', 1000)).toBe(false);
    expect(await store.renewClaim('k', 'A', 1000)).toBe(false);
    now += 31_000;
    expect(await store.claim('k', 'B', 1000)).toBe(true);
    await store.close();
  });

  it('lets another owner take over a claim whose holder died (lease ran out)', async () => {
    let now = 5_000_000;
    const store = make(() => now);
    expect(await store.claim('k2', 'dead', 1000)).toBe(true);
    now += 1001;
    expect(await store.claim('k2', 'alive', 1000)).toBe(true);
    expect(await store.renewClaim('k2', 'dead', 1000)).toBe(false);
    await store.close();
  });

  it('claims atomically under concurrent attempts', async () => {
    const store = make(Date.now);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim('race', `o${i}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.close();
  });
});
