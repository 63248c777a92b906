import { MemoryStore } from './memory-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** STORE_URL → a store: `memory:` or `sqlite:PATH` (validated by the config). */
export function openStore(url: string): Store {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  throw new Error(`Unsupported STORE_URL: ${url.split(':')[0]}:`);
}
