import type { Store } from '../../store/store.js';

export type SeenKind = 'channel' | 'user' | 'thread';

/** Where a run comes from; `threadTs` is '' for a DM's main timeline and absent for a command or a step. */
export interface RunOrigin {
  teamId: string;
  channelId: string;
  userId: string;
  threadTs?: string;
}

const seenKey = (teamId: string, kind: SeenKind, id: string, app: string) => `seen:${kind}:${teamId}:${id}:${app}`;

/** Entries kept in memory before the oldest go (the store keeps them all). */
const MAX_REMEMBERED = 50_000;

/**
 * Which workspace a channel or a person belongs to, for Dify calls that name a channel or a
 * user without `slack_team_id`. One workspace: always that one. Several: what the bridge saw
 * in its own runs, kept in the store so a restart or another replica knows it too.
 */
export class WorkspaceFinder {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly store: Pick<Store, 'getRecord' | 'setRecord'>,
    /** The one workspace's team id (single-workspace mode); absent with several. */
    private readonly only?: string,
  ) {}

  /**
   * A run of the configured app `app` in `teamId` involves this channel, this person and (for
   * chat) this thread: the extension describes those to that app only.
   */
  async remember(origin: RunOrigin, app: string): Promise<void> {
    const { teamId, channelId, userId } = origin;
    const seen = [this.keep(seenKey(teamId, 'channel', channelId, app), '1'), this.keep(seenKey(teamId, 'user', userId, app), '1')];
    if (origin.threadTs !== undefined) seen.push(this.keep(seenKey(teamId, 'thread', `${channelId}:${origin.threadTs}`, app), '1'));
    if (this.only !== undefined) return void (await Promise.all(seen));
    await Promise.all([...seen, this.keep(`team-of:channel:${channelId}`, teamId), this.keep(`team-of:user:${userId}`, teamId)]);
  }

  /**
   * Whether a run of one of `apps` involved this channel, person or thread (`C…:ts`) in `teamId`.
   * A store that cannot answer says no: the extension then answers empty, never more.
   */
  async saw(teamId: string, kind: SeenKind, id: string, apps: readonly string[]): Promise<boolean> {
    for (const app of apps) {
      const key = seenKey(teamId, kind, id, app);
      if (this.known.has(key)) return true;
      const stored = await this.store.getRecord(key).catch(() => undefined);
      if (stored !== undefined) {
        this.note(key, stored);
        return true;
      }
    }
    return false;
  }

  async find(where: { channelId?: string | undefined; userId?: string | undefined }): Promise<string | undefined> {
    if (this.only !== undefined) return this.only || undefined;
    for (const key of [where.channelId && `team-of:channel:${where.channelId}`, where.userId && `team-of:user:${where.userId}`]) {
      if (!key) continue;
      const team = this.known.get(key) ?? (await this.store.getRecord(key));
      if (team) {
        this.note(key, team);
        return team;
      }
    }
    return undefined;
  }

  private async keep(key: string, teamId: string): Promise<void> {
    if (this.known.get(key) === teamId) return;
    this.note(key, teamId);
    await this.store.setRecord(key, teamId);
  }

  private note(key: string, teamId: string): void {
    this.known.delete(key);
    this.known.set(key, teamId);
    if (this.known.size > MAX_REMEMBERED) this.known.delete(this.known.keys().next().value!);
  }
}
