import type { Store } from '../../store/store.js';

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

  /** A run in `teamId` involves this channel and this person. */
  async remember(teamId: string, channelId: string, userId: string): Promise<void> {
    // Which channels and people the bridge ran for: the extension answers for those only.
    const seen = [this.keep(`seen:channel:${teamId}:${channelId}`, '1'), this.keep(`seen:user:${teamId}:${userId}`, '1')];
    if (this.only !== undefined) return void (await Promise.all(seen));
    await Promise.all([...seen, this.keep(`team-of:channel:${channelId}`, teamId), this.keep(`team-of:user:${userId}`, teamId)]);
  }

  /** Whether one of the bridge's own runs involved this channel (or this person) in `teamId`. */
  async saw(teamId: string, kind: 'channel' | 'user', id: string): Promise<boolean> {
    const key = `seen:${kind}:${teamId}:${id}`;
    if (this.known.has(key)) return true;
    const stored = await this.store.getRecord(key).catch(() => undefined);
    if (stored !== undefined) this.note(key, stored);
    return stored !== undefined;
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
