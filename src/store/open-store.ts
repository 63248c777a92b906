import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** STORE_URL → a store: `memory:`, `sqlite:PATH` or `redis://…` / `rediss://…` (validated by the config). */
export async function openStore(url: string): Promise<Store> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const store = new RedisStore(url);
    try {
      await store.ready();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }
  throw new Error(`Unsupported STORE_URL: ${url.split(':')[0]}:`);
}
