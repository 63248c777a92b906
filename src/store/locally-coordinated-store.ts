import { LocalCoordination } from './local-coordination.js';
import type { Store } from './store.js';

type Coordination = Pick<Store, 'waitTurn' | 'renewTurn' | 'endTurn' | 'takeEdit' | 'pauseEdits' | 'activeStreams' | 'raiseFlag' | 'takeFlag'>;

/** The coordination half of a single-process store (memory, SQLite): turns and the edit allowance in memory. */
export abstract class LocallyCoordinatedStore implements Coordination {
  protected readonly local: LocalCoordination;

  constructor(protected readonly now: () => number) {
    this.local = new LocalCoordination(now);
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

  takeEdit(teamId: string, perMinute: number, final?: boolean): Promise<number> {
    return this.local.takeEdit(teamId, perMinute, final);
  }

  pauseEdits(teamId: string, forMs: number): Promise<void> {
    return this.local.pauseEdits(teamId, forMs);
  }

  activeStreams(teamId: string, streamId: string, active: boolean): Promise<number> {
    return this.local.activeStreams(teamId, streamId, active);
  }

  private readonly flags = new Map<string, number>();

  async raiseFlag(key: string, ttlMs: number): Promise<void> {
    this.flags.set(key, this.now() + ttlMs);
  }

  async takeFlag(key: string): Promise<boolean> {
    const until = this.flags.get(key);
    if (until === undefined) return false;
    this.flags.delete(key);
    return until > this.now();
  }

  /** A thread write with a fence older than the thread's latest turn comes from a run that was taken over. */
  protected isStale(threadKey: string, fence?: number): boolean {
    return fence !== undefined && fence < this.local.fence(threadKey);
  }
}
