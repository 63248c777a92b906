/** What the bridge remembers about one Slack thread (or DM timeline). */
export interface ThreadRecord {
  /** The configured Dify app that answers in this thread. */
  appId: string;
  /** Dify's conversation id, once Dify has reported it. */
  conversationId?: string;
  /** The bot was called into a thread people started: it answers there only when mentioned. */
  summoned?: boolean;
}

/** The Slack messages that show the answer to one user message (so a re-run edits them). */
export interface ReplyRecord {
  channelId: string;
  /** The answer's messages, first page first. */
  ts: string[];
  difyMessageId?: string;
  taskId?: string;
  /** The run that writes the answer (an edited or deleted question stops it). */
  runId?: string;
  /** A private answer kept for its Share button: its text, and the thread it would be shared in. */
  text?: string;
  threadTs?: string;
}

/**
 * The one storage interface of the bridge, with memory, SQLite and (for several replicas)
 * Redis implementations. Every operation is atomic on its own.
 */
export interface Store {
  readonly kind: 'memory' | 'sqlite' | 'redis';

  getThread(key: string): Promise<ThreadRecord | undefined>;
  /**
   * Saves the thread's record. With `fence` (the turn's token), a holder whose turn was taken
   * over meanwhile cannot overwrite the newer run's record: false is returned instead.
   */
  setThread(key: string, record: ThreadRecord, fence?: number): Promise<boolean>;

  /**
   * Takes the work item `key` for `owner` if nobody holds it: it was never claimed, or its
   * holder's lease ran out without finishing (the holder died). False when it is taken or done.
   */
  claim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends a held lease; false if `owner` no longer holds it. */
  renewClaim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Marks the item done; it stays claimed (so retries are skipped) for `holdMs`. */
  finishClaim(key: string, owner: string, holdMs: number): Promise<void>;

  /**
   * Waits until it is message `ts`'s turn in its thread: every earlier message of the thread
   * (across all replicas) is done, and no other run holds the thread. Resolves with a fencing
   * token that grows with every turn. The wait is part of the message's lease: a queued message
   * whose holder dies leaves the queue when its lease runs out.
   */
  waitTurn(threadKey: string, ts: string, owner: string, leaseMs: number, signal?: AbortSignal): Promise<number>;
  /** Keeps a queued or running turn alive. */
  renewTurn(threadKey: string, ts: string, owner: string, leaseMs: number): Promise<void>;
  /** Ends the turn (or leaves the queue), letting the next message go. */
  endTurn(threadKey: string, ts: string, owner: string): Promise<void>;

  getReply(key: string): Promise<ReplyRecord | undefined>;
  setReply(key: string, record: ReplyRecord, ttlMs: number): Promise<void>;

  /**
   * Slack's chat.update allowance of a workspace, shared by every answer of every replica:
   * 0 when an edit may go now (and is counted), else milliseconds to wait. At most `perMinute`
   * edits in any 60 seconds (a sliding window: Slack's limit is met even in the first minute).
   * A `final` edit (an answer's last) kept waiting makes the others stand back until it is taken,
   * and the others never take the window's room for the finals of the active streams.
   */
  takeEdit(teamId: string, perMinute: number, final?: boolean): Promise<number>;
  /** Slack answered 429 for this workspace: no edits for `forMs`. */
  pauseEdits(teamId: string, forMs: number): Promise<void>;
  /** Marks an answer as streaming in the workspace (for a fair share of edits); returns how many are. */
  activeStreams(teamId: string, streamId: string, active: boolean): Promise<number>;

  /**
   * Counts one more use of `key` (a quota's window, say) and returns the count so far; the
   * count is forgotten `ttlMs` after its first use. Shared by every replica.
   */
  countHit(key: string, ttlMs: number): Promise<number>;

  /** Raises a short-lived flag any replica can see (a Stop pressed on another replica's answer). */
  raiseFlag(key: string, ttlMs: number): Promise<void>;
  /** Whether the flag is up (and takes it down). */
  takeFlag(key: string): Promise<boolean>;

  /**
   * Durable records that are not about threads: Slack installations (multi-workspace mode),
   * sealed by the caller (the store sees ciphertext only). No expiry.
   */
  getRecord(key: string): Promise<string | undefined>;
  setRecord(key: string, value: string): Promise<void>;
  deleteRecord(key: string): Promise<void>;
  /** Every durable record whose key starts with `prefix` (runs to re-attach after a restart, say). */
  listRecords(prefix: string): Promise<Array<{ key: string; value: string }>>;

  close(): Promise<void>;
}
