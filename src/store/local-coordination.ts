interface QueueEntry {
  ts: string;
  owner: string;
  expiresAt: number;
}

interface ThreadTurns {
  /** Pending messages, oldest ts first. */
  queue: QueueEntry[];
  /** The ts whose run holds the thread. */
  holder?: string;
  fence: number;
  wake: Set<() => void>;
}

/**
 * The window the edit log keeps: Slack's minute, and a second for the time an edit spends on
 * its way (Slack counts a call when it arrives, the log when it is taken; an early edit slow to
 * arrive and a later one quick would otherwise fall in one of Slack's minutes).
 */
export const EDIT_WINDOW_MS = 61_000;
/** How long intermediate edits stand back after a final edit was kept waiting (it comes back then). */
export const FINAL_PRIORITY_MS = 1_000;
/** When every edit of the window is held for the streams' finals, intermediate edits ask again this much later. */
export const RESERVED_RECHECK_MS = 2_000;

/** How long until the edits of the last window (oldest first) leave room for one more: never `perMinute` + 1 in it. */
export function minuteWait(edits: readonly number[], now: number, perMinute: number): number {
  return edits.length >= perMinute ? Math.max(0, edits[edits.length - perMinute]! + EDIT_WINDOW_MS - now) : 0;
}

/**
 * A workspace's chat.update allowance: a token bucket holding 10 s of it (edits paced, a small
 * burst allowed), the edits of the last minute (so the burst never takes a minute past Slack's
 * limit, not even the first one), a 429's pause, and until when a final edit waits (the
 * intermediate ones stand back: a finished answer goes first).
 */
interface Bucket {
  tokens: number;
  at: number;
  edits: number[];
  pausedUntil: number;
  finalsUntil: number;
}

/** A stream counts as active this long after its last heartbeat. */
export const STREAM_HEARTBEAT_MS = 30_000;

/**
 * Turns, the edit allowance and active streams for a single process (the memory and SQLite
 * stores): the same contract as the Redis implementation, kept in memory because only one
 * process uses these stores.
 */
export class LocalCoordination {
  private readonly turns = new Map<string, ThreadTurns>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly streams = new Map<string, Map<string, number>>();
  /** Per workspace, no stream expires before this: the count is asked per edit, and a sweep is O(streams). */
  private readonly sweepAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async waitTurn(threadKey: string, ts: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<number> {
    const t = this.turns.get(threadKey) ?? { queue: [], fence: 0, wake: new Set() };
    this.turns.set(threadKey, t);
    if (!t.queue.some((e) => e.ts === ts)) {
      let i = t.queue.length;
      while (i > 0 && t.queue[i - 1]!.ts > ts) i--;
      t.queue.splice(i, 0, { ts, owner, expiresAt: this.now() + leaseMs });
    }
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      // Entries whose holder died (lease ran out) leave the queue.
      t.queue = t.queue.filter((e) => e.expiresAt > now || (e.ts === ts && e.owner === owner));
      if (t.holder !== undefined && !t.queue.some((e) => e.ts === t.holder)) delete t.holder;
      if (t.queue[0]?.ts === ts && (t.holder === undefined || t.holder === ts)) {
        t.holder = ts;
        t.fence += 1;
        return t.fence;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          t.wake.delete(done);
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(50, Math.min(leaseMs, 1000)));
        t.wake.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async renewTurn(threadKey: string, ts: string, owner: string, leaseMs: number): Promise<void> {
    const e = this.turns.get(threadKey)?.queue.find((x) => x.ts === ts && x.owner === owner);
    if (e) e.expiresAt = this.now() + leaseMs;
  }

  async endTurn(threadKey: string, ts: string, owner: string): Promise<void> {
    const t = this.turns.get(threadKey);
    if (!t) return;
    t.queue = t.queue.filter((e) => !(e.ts === ts && e.owner === owner));
    if (t.holder === ts) delete t.holder;
    for (const wake of [...t.wake]) wake();
    if (t.queue.length === 0 && t.wake.size === 0) this.turns.delete(threadKey);
  }

  /** Current fence of a thread (the token of its latest turn). */
  fence(threadKey: string): number {
    return this.turns.get(threadKey)?.fence ?? 0;
  }

  async takeEdit(teamId: string, perMinute: number, final = false): Promise<number> {
    const now = this.now();
    const rate = perMinute / 60_000;
    const capacity = Math.max(1, perMinute / 6);
    const b = this.buckets.get(teamId) ?? { tokens: capacity, at: now, edits: [], pausedUntil: 0, finalsUntil: 0 };
    this.buckets.set(teamId, b);
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.pausedUntil > now) return b.pausedUntil - now;
    while (b.edits.length > 0 && b.edits[0]! <= now - EDIT_WINDOW_MS) b.edits.shift();
    let wait = Math.max(minuteWait(b.edits, now, perMinute), b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / rate));
    if (final && wait > 0) b.finalsUntil = Math.max(b.finalsUntil, now + wait + FINAL_PRIORITY_MS);
    if (!final) {
      if (b.finalsUntil > now) wait = Math.max(wait, b.finalsUntil - now);
      // Each streaming answer's final edit is held in the window: intermediate edits get what is left.
      const room = perMinute - this.liveStreams(teamId, now);
      wait = Math.max(wait, room <= 0 ? RESERVED_RECHECK_MS : minuteWait(b.edits, now, room));
    }
    if (wait > 0) return wait;
    b.tokens -= 1;
    b.edits.push(now);
    return 0;
  }

  async pauseEdits(teamId: string, forMs: number): Promise<void> {
    const b = this.buckets.get(teamId) ?? { tokens: 0, at: this.now(), edits: [], pausedUntil: 0, finalsUntil: 0 };
    b.pausedUntil = Math.max(b.pausedUntil, this.now() + forMs);
    this.buckets.set(teamId, b);
  }

  async activeStreams(teamId: string, streamId: string, active: boolean): Promise<number> {
    const now = this.now();
    const team = this.streams.get(teamId) ?? new Map<string, number>();
    this.streams.set(teamId, team);
    if (active) {
      const until = now + STREAM_HEARTBEAT_MS;
      team.set(streamId, until);
      if (until < (this.sweepAt.get(teamId) ?? Infinity)) this.sweepAt.set(teamId, until);
    } else team.delete(streamId);
    return this.liveStreams(teamId, now);
  }

  private liveStreams(teamId: string, now: number): number {
    const team = this.streams.get(teamId);
    if (!team) return 0;
    if (now < (this.sweepAt.get(teamId) ?? Infinity)) return team.size;
    let earliest = Infinity;
    for (const [id, until] of team) {
      if (until <= now) team.delete(id);
      else earliest = Math.min(earliest, until);
    }
    this.sweepAt.set(teamId, earliest);
    return team.size;
  }
}
