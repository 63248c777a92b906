import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.js';

/** Slack's chat.update is Tier 3: about 50 calls a minute, per workspace, for the whole app. */
export const SLACK_EDITS_PER_MINUTE = 50;
const HEARTBEAT_MS = 5_000;

/**
 * One answer's share of its workspace's edit allowance, which every answer of every replica
 * draws from (in the store). With N answers streaming, each edits about every N × 1.2 s, so
 * all of them progress; final edits draw from it too, ahead of the others.
 */
export class EditBudget {
  private readonly id = randomUUID();
  private streams = 1;
  private beatAt = 0;

  constructor(
    private readonly store: Pick<Store, 'takeEdit' | 'pauseEdits' | 'activeStreams'>,
    private readonly teamId: string,
    private readonly perMinute = SLACK_EDITS_PER_MINUTE,
  ) {}

  /**
   * The interval this answer's edits keep: `base` alone, its fair share of the allowance when
   * several answers stream at once (the shared bucket still caps a lone long answer).
   */
  interval(base: number): number {
    return this.streams <= 1 ? base : Math.max(base, Math.ceil((this.streams * 60_000) / this.perMinute));
  }

  /** The answer streams from now on: it counts among the workspace's active streams, whose final edits are held. */
  begin(): void {
    this.beatAt = Date.now();
    void this.store.activeStreams(this.teamId, this.id, true).then(
      (n) => void (this.streams = Math.max(1, n)),
      () => undefined,
    );
  }

  /** 0: edit now (counted). Otherwise milliseconds to wait for the allowance. A final edit goes first. */
  async acquire(final = false): Promise<number> {
    if (Date.now() - this.beatAt >= HEARTBEAT_MS) {
      this.beatAt = Date.now();
      this.streams = Math.max(1, await this.store.activeStreams(this.teamId, this.id, true));
    }
    return this.store.takeEdit(this.teamId, this.perMinute, final);
  }

  /** Slack said 429: the whole workspace pauses its edits. */
  rateLimited(retryAfterMs: number): Promise<void> {
    return this.store.pauseEdits(this.teamId, retryAfterMs);
  }

  /** The answer is final: it no longer shares the allowance. */
  async end(): Promise<void> {
    await this.store.activeStreams(this.teamId, this.id, false);
  }
}
