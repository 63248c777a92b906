import type { Store } from '../../store/store.js';

/** Who may press Stop on an answer: the person who asked, or anyone who sees it. */
export type StopPolicy = 'asker' | 'anyone';

const FLAG_TTL_MS = 10 * 60_000;
/**
 * A thread-wide stop names no run, so its flag must not outlive the run it was meant for:
 * a few polls long, it cannot stop the thread's next question.
 */
const THREAD_FLAG_TTL_MS = 3_000;
const POLL_MS = 500;

interface LocalRun {
  stop: () => void;
  thread?: string;
}

const runFlag = (runId: string) => `stop:${runId}`;
const threadFlag = (threadKey: string) => `stop-thread:${threadKey}`;

/**
 * Answers and runs that can be stopped. A Stop pressed on this replica stops at once; one
 * pressed on another replica raises a flag in the store, which the running replica polls.
 */
export class RunRegistry {
  private readonly local = new Map<string, LocalRun>();

  constructor(
    private readonly store: Pick<Store, 'kind' | 'raiseFlag' | 'takeFlag'>,
    readonly policy: StopPolicy,
  ) {}

  /** Only a store shared by several processes can carry a Stop from another replica. */
  private get shared(): boolean {
    return this.store.kind === 'redis';
  }

  /**
   * Registers a run, with the thread it answers in when it has one (Slack's own stop names
   * the thread, not our run); returns the function that unregisters it.
   */
  register(runId: string, stop: () => void, thread?: string): () => void {
    this.local.set(runId, { stop, ...(thread ? { thread } : {}) });
    const flags = [runFlag(runId), ...(thread ? [threadFlag(thread)] : [])];
    const poll = this.shared
      ? setInterval(() => {
          void Promise.all(flags.map((f) => this.store.takeFlag(f)))
            .then((up) => up.some(Boolean) && this.local.get(runId)?.stop())
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
    if (here) here.stop();
    else if (this.shared) await this.store.raiseFlag(runFlag(runId), FLAG_TTL_MS);
    return true;
  }

  /**
   * Slack's stop button on a native stream: whatever runs in the thread stops. Slack shows
   * that button only to the person the stream is for, the asker, so no policy applies.
   */
  async stopThread(thread: string): Promise<void> {
    const here = [...this.local.values()].filter((r) => r.thread === thread);
    for (const run of here) run.stop();
    if (here.length === 0 && this.shared) await this.store.raiseFlag(threadFlag(thread), THREAD_FLAG_TTL_MS);
  }
}
