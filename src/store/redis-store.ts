import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { EDIT_WINDOW_MS, FINAL_PRIORITY_MS, RESERVED_RECHECK_MS, STREAM_HEARTBEAT_MS } from './local-coordination.js';
import type { ReplyRecord, Store, ThreadRecord } from './store.js';

/** Time comes from Redis (TIME), so replicas with skewed clocks agree. */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const SCRIPTS = {
  // KEYS: thread, fence. ARGV: record JSON, fence ('' for none).
  setThread: `
    if ARGV[2] ~= '' and tonumber(ARGV[2]) < tonumber(redis.call('GET', KEYS[2]) or '0') then return 0 end
    redis.call('SET', KEYS[1], ARGV[1]) return 1`,
  // KEYS: claim. ARGV: owner, leaseMs.
  renewClaim: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`,
  // KEYS: claim. ARGV: owner, holdMs.
  finishClaim: `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2]) end return 1`,
  // KEYS: queue, holder, fence. ARGV: ts, owner, leaseMs, lease key prefix.
  // Returns the fence when it is ts's turn, else 0. Queue entries whose lease key expired are dropped.
  enterTurn: `
    redis.call('ZADD', KEYS[1], 0, ARGV[1])
    redis.call('SET', ARGV[4] .. ARGV[1], ARGV[2], 'PX', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], 86400000)
    local head
    while true do
      head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
      if not head then return 0 end
      if redis.call('EXISTS', ARGV[4] .. head) == 1 then break end
      redis.call('ZREM', KEYS[1], head)
    end
    if head ~= ARGV[1] then return 0 end
    local holder = redis.call('GET', KEYS[2])
    if holder and holder ~= ARGV[1] then return 0 end
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
    if holder == ARGV[1] then return tonumber(redis.call('GET', KEYS[3]) or '0') end
    return redis.call('INCR', KEYS[3])`,
  // KEYS: holder, lease. ARGV: ts, owner, leaseMs.
  renewTurn: `
    if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
    if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
    return 1`,
  // KEYS: queue, holder, lease. ARGV: ts, owner.
  endTurn: `
    if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) redis.call('ZREM', KEYS[1], ARGV[1]) end
    if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
    return 1`,
  // KEYS: bucket, paused, edit log (the last window's edits), sequence, finals waiting, active streams.
  // ARGV: perMinute, final (1/0), windowMs, priorityMs, recheckMs.
  // A token bucket holding 10 s of allowance, never perMinute + 1 edits in the window, finals first
  // and each active stream's final held in the window (as local-coordination.ts).
  takeEdit: `${NOW}
    local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
    if paused > now then return paused - now end
    local per = tonumber(ARGV[1])
    local final = ARGV[2] == '1'
    local window = tonumber(ARGV[3])
    local rate = per / 60000
    local cap = math.max(1, per / 6)
    local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
    local tokens = tonumber(b[1]) or cap
    local at = tonumber(b[2]) or now
    tokens = math.min(cap, tokens + (now - at) * rate)
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
    local n = redis.call('ZCARD', KEYS[3])
    local wait = 0
    if n >= per then
      local first = redis.call('ZRANGE', KEYS[3], n - per, n - per, 'WITHSCORES')
      wait = math.max(0, tonumber(first[2]) + window - now)
    end
    if tokens < 1 then wait = math.max(wait, math.ceil((1 - tokens) / rate)) end
    local finals = tonumber(redis.call('GET', KEYS[5]) or '0')
    if final and wait > 0 and now + wait + tonumber(ARGV[4]) > finals then
      finals = now + wait + tonumber(ARGV[4])
      redis.call('SET', KEYS[5], finals, 'PX', finals - now)
    end
    if not final then
      if finals > now then wait = math.max(wait, finals - now) end
      local room = per - redis.call('ZCOUNT', KEYS[6], '(' .. now, '+inf')
      if room <= 0 then
        wait = math.max(wait, tonumber(ARGV[5]))
      elseif n >= room then
        local first = redis.call('ZRANGE', KEYS[3], n - room, n - room, 'WITHSCORES')
        wait = math.max(wait, tonumber(first[2]) + window - now)
      end
    end
    if wait == 0 then
      tokens = tokens - 1
      redis.call('ZADD', KEYS[3], now, now .. ':' .. redis.call('INCR', KEYS[4]))
      redis.call('PEXPIRE', KEYS[3], window + 1000)
      redis.call('PEXPIRE', KEYS[4], window + 1000)
    end
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
    redis.call('PEXPIRE', KEYS[1], 120000)
    return wait`,
  // KEYS: paused. ARGV: forMs.
  pauseEdits: `${NOW}
    local untilMs = now + tonumber(ARGV[1])
    if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[1]) end
    return 1`,
  // KEYS: streams. ARGV: id, active (1/0), heartbeatMs.
  activeStreams: `${NOW}
    if ARGV[2] == '1' then redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1]) else redis.call('ZREM', KEYS[1], ARGV[1]) end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return redis.call('ZCARD', KEYS[1])`,
} as const;

type ScriptName = keyof typeof SCRIPTS;

/**
 * The store for several replicas: every replica sees the same threads, claims, turns and
 * edit allowance. ioredis reconnects by itself after a Redis restart; commands issued
 * meanwhile wait in its queue.
 */
/** How long one Redis command may take before it fails. */
export const STORE_COMMAND_TIMEOUT_MS = 3_000;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix = 'dsb:',
  ) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      reconnectOnError: () => true,
      // A store call fails within seconds when Redis is gone (ioredis would queue it and retry
      // for about a minute): the caller can then tell the person, rather than leave them waiting.
      commandTimeout: STORE_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
    });
    // Connection errors are retried; the 'error' event must have a listener or it throws.
    this.redis.on('error', () => undefined);
    for (const [name, lua] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, { lua, numberOfKeys: keyCount(name as ScriptName) });
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join('|');
  }

  private run(name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
    return (this.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name]!(...keys, ...args);
  }

  /** Resolves once connected (start-up fails clearly when Redis is unreachable). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await Promise.race([
      new Promise<void>((resolve) => this.redis.once('ready', () => resolve())),
      sleep(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`Redis did not answer within ${timeoutMs / 1000} s`);
      }),
    ]);
  }

  async getThread(key: string): Promise<ThreadRecord | undefined> {
    const raw = await this.redis.get(this.k('thread', key));
    return raw ? (JSON.parse(raw) as ThreadRecord) : undefined;
  }

  async setThread(key: string, record: ThreadRecord, fence?: number): Promise<boolean> {
    return (await this.run('setThread', [this.k('thread', key), this.k('fence', key)], [JSON.stringify(record), fence ?? ''])) === 1;
  }

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.k('claim', key), owner, 'PX', leaseMs, 'NX')) === 'OK';
  }

  async renewClaim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.run('renewClaim', [this.k('claim', key)], [owner, leaseMs])) === 1;
  }

  async finishClaim(key: string, owner: string, holdMs: number): Promise<void> {
    await this.run('finishClaim', [this.k('claim', key)], [owner, holdMs]);
  }

  async waitTurn(threadKey: string, ts: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<number> {
    const keys = [this.k('queue', threadKey), this.k('holder', threadKey), this.k('fence', threadKey)];
    const leasePrefix = this.k('lease', threadKey, '');
    for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
      signal?.throwIfAborted();
      const fence = Number(await this.run('enterTurn', keys, [ts, owner, leaseMs, leasePrefix]));
      if (fence > 0) return fence;
      await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
    }
  }

  async renewTurn(threadKey: string, ts: string, owner: string, leaseMs: number): Promise<void> {
    await this.run('renewTurn', [this.k('holder', threadKey), this.k('lease', threadKey, ts)], [ts, owner, leaseMs]);
  }

  async endTurn(threadKey: string, ts: string, owner: string): Promise<void> {
    await this.run('endTurn', [this.k('queue', threadKey), this.k('holder', threadKey), this.k('lease', threadKey, ts)], [ts, owner]);
  }

  async getReply(key: string): Promise<ReplyRecord | undefined> {
    const raw = await this.redis.get(this.k('reply', key));
    return raw ? (JSON.parse(raw) as ReplyRecord) : undefined;
  }

  async setReply(key: string, record: ReplyRecord, ttlMs: number): Promise<void> {
    await this.redis.set(this.k('reply', key), JSON.stringify(record), 'PX', ttlMs);
  }

  async getRecord(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.k('record', key))) ?? undefined;
  }

  async setRecord(key: string, value: string): Promise<void> {
    await this.redis.set(this.k('record', key), value);
  }

  async deleteRecord(key: string): Promise<void> {
    await this.redis.del(this.k('record', key));
  }

  async listRecords(prefix: string): Promise<Array<{ key: string; value: string }>> {
    const base = this.k('record', '');
    const keys: string[] = [];
    // SCAN, not KEYS: it does not block Redis for other clients; glob characters in the prefix are escaped.
    const match = `${base}${prefix}`.replace(/[*?[\]\\]/g, (c) => `\\${c}`) + '*';
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const unique = [...new Set(keys)].sort();
    const values = await this.redis.mget(...unique);
    return unique.flatMap((key, i) => (values[i] == null ? [] : [{ key: key.slice(base.length), value: values[i] }]));
  }

  async takeEdit(teamId: string, perMinute: number, final = false): Promise<number> {
    return Number(
      await this.run(
        'takeEdit',
        [
          this.k('edits', teamId),
          this.k('paused', teamId),
          this.k('editlog', teamId),
          this.k('editseq', teamId),
          this.k('finals', teamId),
          this.k('streams', teamId),
        ],
        [perMinute, final ? '1' : '0', EDIT_WINDOW_MS, FINAL_PRIORITY_MS, RESERVED_RECHECK_MS],
      ),
    );
  }

  async pauseEdits(teamId: string, forMs: number): Promise<void> {
    await this.run('pauseEdits', [this.k('paused', teamId)], [Math.max(1, Math.round(forMs))]);
  }

  async activeStreams(teamId: string, streamId: string, active: boolean): Promise<number> {
    return Number(await this.run('activeStreams', [this.k('streams', teamId)], [streamId, active ? '1' : '0', STREAM_HEARTBEAT_MS]));
  }

  async countHit(key: string, ttlMs: number): Promise<number> {
    // INCR then PEXPIRE NX in one round trip: the window starts with the first use.
    const [[, count]] = (await this.redis.multi().incr(this.k('count', key)).pexpire(this.k('count', key), ttlMs, 'NX').exec()) as [[Error | null, number]];
    return count;
  }

  async raiseFlag(key: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.k('flag', key), '1', 'PX', ttlMs);
  }

  async takeFlag(key: string): Promise<boolean> {
    return (await this.redis.del(this.k('flag', key))) === 1;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function keyCount(name: ScriptName): number {
  return { setThread: 2, renewClaim: 1, finishClaim: 1, enterTurn: 3, renewTurn: 2, endTurn: 3, takeEdit: 6, pauseEdits: 1, activeStreams: 1 }[name];
}
