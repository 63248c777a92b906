import { z } from 'zod';
import type { Store } from '../../store/store.js';

/** One of a person's recent runs, for their App Home. */
export interface RecentRun {
  app: string;
  kind: 'chat' | 'workflow' | 'completion';
  channelId: string;
  /** The message that shows it (a chat answer's thread, a command's result). */
  ts: string;
  /** Unix ms. */
  at: number;
  outcome: string;
}

const KEEP = 5;
const listSchema = z.array(
  z.object({
    app: z.string(),
    kind: z.enum(['chat', 'workflow', 'completion']),
    channelId: z.string(),
    ts: z.string(),
    at: z.number(),
    outcome: z.string(),
  }),
);
const keyOf = (teamId: string, userId: string) => `history:${teamId}:${userId}`;

/**
 * A person's last runs, newest first, as a durable store record (any replica shows them).
 * Written once per run; two runs ending at the same moment on two replicas may keep only one.
 */
export class RunHistory {
  constructor(private readonly store: Pick<Store, 'getRecord' | 'setRecord'>) {}

  async recent(teamId: string, userId: string): Promise<RecentRun[]> {
    const raw = await this.store.getRecord(keyOf(teamId, userId)).catch(() => undefined);
    if (raw === undefined) return [];
    try {
      const parsed = listSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  async record(teamId: string, userId: string, run: RecentRun): Promise<void> {
    const list = (await this.recent(teamId, userId)).filter((r) => !(r.channelId === run.channelId && r.ts === run.ts));
    await this.store.setRecord(keyOf(teamId, userId), JSON.stringify([run, ...list].slice(0, KEEP)));
  }
}
