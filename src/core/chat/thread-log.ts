/** A message of a thread as the bridge remembers it, for the transcript Dify can ask for. */
export interface LoggedMessage {
  /** Slack ts; an answer is filed right after the message it answers. */
  ts: string;
  userId: string;
  text: string;
}

interface Thread {
  messages: LoggedMessage[];
  /** Holds every message from the thread's start (seen from its root, or read from Slack). */
  complete: boolean;
}

/**
 * Recent threads' messages, kept in memory from the events the bridge handles and the answers
 * it gives, so Dify's external-data calls rarely need Slack's rate-limited history methods.
 */
export class ThreadLog {
  private readonly threads = new Map<string, Thread>();

  constructor(
    private readonly maxThreads = 2000,
    private readonly maxMessages = 400,
  ) {}

  /** Records a message; `rootTs` is the thread's root (the log is complete if it starts there). */
  record(threadKey: string, message: LoggedMessage, rootTs?: string): void {
    let thread = this.threads.get(threadKey);
    if (!thread) {
      thread = { messages: [], complete: rootTs !== undefined && message.ts === rootTs };
      this.remember(threadKey, thread);
    }
    insert(thread.messages, message);
    if (thread.messages.length > this.maxMessages) thread.messages.splice(0, thread.messages.length - this.maxMessages);
  }

  /** The thread's messages, oldest first, if the log knows them from the start. */
  complete(threadKey: string): LoggedMessage[] | undefined {
    const thread = this.threads.get(threadKey);
    return thread?.complete ? thread.messages : undefined;
  }

  /** Messages read from Slack, merged with what was logged meanwhile; the thread is complete from now on. */
  fill(threadKey: string, messages: LoggedMessage[]): LoggedMessage[] {
    const thread = this.threads.get(threadKey) ?? { messages: [], complete: true };
    thread.complete = true;
    for (const m of messages) insert(thread.messages, m);
    this.remember(threadKey, thread);
    return thread.messages;
  }

  private remember(key: string, thread: Thread): void {
    this.threads.delete(key);
    this.threads.set(key, thread);
    // Map order is insertion order: the first key is the least recently touched thread.
    while (this.threads.size > this.maxThreads) this.threads.delete(this.threads.keys().next().value!);
  }
}

function insert(list: LoggedMessage[], m: LoggedMessage): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.ts > m.ts) i--;
  if (i > 0 && list[i - 1]!.ts === m.ts) list[i - 1] = m;
  else list.splice(i, 0, m);
}
