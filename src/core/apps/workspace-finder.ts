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
    if (this.only !== undefined) return;
    await Promise.all([this.keep(`team-of:channel:${channelId}`, teamId), this.keep(`team-of:user:${userId}`, teamId)]);
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
