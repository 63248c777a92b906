import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.js';

/** A private answer can be shared for this long. */
const KEEP_MS = 24 * 60 * 60_000;
/** A share stays done this long (a double press shares once). */
const SHARED_HOLD_MS = 2 * KEEP_MS;

export interface KeptAnswer {
  channelId: string;
  threadTs?: string;
  text: string;
}

/** Private answers kept for their Share button, in the store (the press may reach another replica). */
export class SharedAnswers {
  private readonly owner = randomUUID();

  constructor(private readonly store: Pick<Store, 'getReply' | 'setReply' | 'claim' | 'finishClaim'>) {}

  async keep(answer: KeptAnswer): Promise<string> {
    const id = randomUUID();
    await this.store.setReply(
      `share:${id}`,
      { channelId: answer.channelId, ts: [], text: answer.text, ...(answer.threadTs ? { threadTs: answer.threadTs } : {}) },
      KEEP_MS,
    );
    return id;
  }

  /** The answer to share, once: undefined when it is gone (older than a day) or already shared. */
  async take(id: string): Promise<KeptAnswer | undefined> {
    const rec = await this.store.getReply(`share:${id}`);
    if (rec?.text === undefined) return undefined;
    if (!(await this.store.claim(`shared:${id}`, this.owner, 60_000))) return undefined;
    await this.store.finishClaim(`shared:${id}`, this.owner, SHARED_HOLD_MS);
    return { channelId: rec.channelId, text: rec.text, ...(rec.threadTs ? { threadTs: rec.threadTs } : {}) };
  }
}
