import type { Store } from '../store/store.js';

/** Who may press Stop on an answer: the person who asked, or anyone who sees it. */
export type StopPolicy = 'asker' | 'anyone';

const FLAG_TTL_MS = 10 * 60_000;
const POLL_MS = 500;

/**
 * Answers and runs that can be stopped. A Stop pressed on this replica stops at once; one
 * pressed on another replica raises a flag in the store, which the running replica polls.
 */
export class RunRegistry {
  private readonly local = new Map<string, () => void>();

  constructor(
    private readonly store: Pick<Store, 'kind' | 'raiseFlag' | 'takeFlag'>,
    readonly policy: StopPolicy,
  ) {}

  /** Only a store shared by several processes can carry a Stop from another replica. */
  private get shared(): boolean {
    return this.store.kind === 'redis';
  }

  /** Registers a run; returns the function that unregisters it. */
  register(runId: string, stop: () => void): () => void {
    this.local.set(runId, stop);
    const poll = this.shared
      ? setInterval(() => {
          void this.store
            .takeFlag(`stop:${runId}`)
            .then((up) => up && this.local.get(runId)?.())
            .catch(() => undefined);
        }, POLL_MS)
      : undefined;
    poll?.unref();
    return () => {
      clearInterval(poll);
      this.local.delete(runId);
    };
  }

  /** A Stop press: false when the policy does not let this person stop it. */
  async requestStop(runId: string, askerId: string, byUserId: string): Promise<boolean> {
    if (this.policy === 'asker' && byUserId !== askerId) return false;
    const here = this.local.get(runId);
    if (here) here();
    else if (this.shared) await this.store.raiseFlag(`stop:${runId}`, FLAG_TTL_MS);
    return true;
  }
}
