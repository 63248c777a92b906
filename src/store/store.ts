/** What the bridge remembers about one Slack thread (or DM timeline). */
export interface ThreadRecord {
  /** The configured Dify app that answers in this thread. */
  appId: string;
  /** Dify's conversation id, once Dify has reported it. */
  conversationId?: string;
}

/**
 * The one storage interface of the bridge, with memory, SQLite and (for several replicas)
 * Redis implementations. Every operation is atomic on its own.
 */
export interface Store {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  getThread(key: string): Promise<ThreadRecord | undefined>;
  setThread(key: string, record: ThreadRecord): Promise<void>;
  /**
   * Takes the work item `key` for `owner` if nobody holds it: it was never claimed, or its
   * holder's lease ran out without finishing (the holder died). False when it is taken or done.
   */
  claim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends a held lease; false if `owner` no longer holds it. */
  renewClaim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Marks the item done; it stays claimed (so retries are skipped) for `holdMs`. */
  finishClaim(key: string, owner: string, holdMs: number): Promise<void>;
  close(): Promise<void>;
}
