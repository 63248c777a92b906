import type { Logger } from 'pino';
import type { AccessRule, Config, Limits, Rate } from '../../config/types.js';
import type { Store } from '../../store/store.js';
import type { RunObserver, SlackDirectory } from '../ports.js';
import { slackDate } from '../slack-date.js';

/** Where a request comes from: new work (counted against quotas) or a button that continues a run (not counted). */
export type Surface = 'mention' | 'thread' | 'dm' | 'command' | 'form-open' | 'form' | 'follow-up' | 'human-input' | 'shortcut' | 'workflow-step' | 'feedback';
const NEW_WORK = new Set<Surface>(['mention', 'thread', 'dm', 'command', 'form', 'shortcut', 'workflow-step']);

export interface AccessRequest {
  teamId: string;
  channelId: string;
  userId: string;
  appId: string;
  surface: Surface;
}

export type RefusalReason = 'user' | 'channel' | 'guest' | 'external' | 'unknown_user' | 'quota_user' | 'quota_channel' | 'dms';

/** A refused request: why (for logs and metrics), and one private line that says what to do. */
export interface Refusal {
  reason: RefusalReason;
  markdown: string;
}

export interface AccessPolicyDeps {
  config: Pick<Config, 'dify' | 'dms' | 'limits'>;
  directory: Pick<SlackDirectory, 'user' | 'groupMembers'>;
  store: Pick<Store, 'countHit'>;
  logger: Logger;
  observer?: Pick<RunObserver, 'refused'>;
  now?: () => number;
}

const channelList = (ids: string[]) => ids.map((c) => (c.startsWith('D') ? 'a direct message' : `<#${c}>`)).join(', ');
const slackTime = (ms: number) => slackDate(Math.ceil(ms / 1000), 'day-and-time');

/**
 * Who may use which app, where, and how often: one decision for every surface (mentions,
 * DMs, commands, forms, follow-ups, Human Input answers), taken before anything reaches Dify.
 * An app without `access` is open to everyone in the workspace, as before.
 */
export class AccessPolicy {
  private readonly now: () => number;

  constructor(private readonly deps: AccessPolicyDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Whether the person may use the app there; new work is also counted against the quotas. */
  async decide(req: AccessRequest): Promise<Refusal | undefined> {
    // `dms: false` holds for every way of asking in a DM, a message shortcut there included.
    const inDm = req.surface === 'dm' || (req.surface === 'shortcut' && req.channelId.startsWith('D'));
    const dmsOff = inDm && !this.deps.config.dms ? { reason: 'dms' as const, markdown: this.dmsOffLine() } : undefined;
    const refusal = dmsOff ?? (await this.checkAccess(req)) ?? (NEW_WORK.has(req.surface) ? await this.count(req) : undefined);
    if (refusal) {
      this.deps.logger.info(
        { reason: refusal.reason, app: req.appId, surface: req.surface, team: req.teamId, channel: req.channelId, user: req.userId },
        'request refused by the access policy',
      );
      this.deps.observer?.refused?.(refusal.reason);
    }
    return refusal;
  }

  /** The apps a person may use in a channel (for `/dify help`); quotas are not counted. */
  async usable(names: string[], where: Omit<AccessRequest, 'appId' | 'surface'>): Promise<string[]> {
    const allowed = await Promise.all(names.map(async (appId) => (await this.checkAccess({ ...where, appId, surface: 'command' })) === undefined));
    return names.filter((_, i) => allowed[i]);
  }

  /**
   * The apps this person may use somewhere (their App Home has no channel): each with the only
   * channels it answers in, when its rule names some.
   */
  async openTo(names: string[], who: { teamId: string; userId: string }): Promise<Array<{ name: string; channels?: string[] }>> {
    const open = await Promise.all(
      names.map(async (name) => {
        const channels = this.deps.config.dify.apps[name]?.access?.channels;
        // Checked as if asked in one of its channels: the person's own standing is what counts here.
        const refusal = await this.checkAccess({ ...who, channelId: channels?.[0] ?? '', appId: name, surface: 'command' });
        return refusal ? undefined : { name, ...(channels ? { channels } : {}) };
      }),
    );
    return open.filter((x) => x !== undefined);
  }

  /** The DM line when DMs are off. */
  dmsOffLine(): string {
    return "I don't answer direct messages here. Mention me in a channel I'm in (`@Dify your question`), or use `/dify` there.";
  }

  private async checkAccess(req: AccessRequest): Promise<Refusal | undefined> {
    const rule: AccessRule | undefined = this.deps.config.dify.apps[req.appId]?.access;
    if (!rule) return undefined;
    const app = `\`${req.appId}\``;
    if (rule.channels && !rule.channels.includes(req.channelId)) {
      const where = rule.channels.length ? `${app} is limited to ${channelList(rule.channels)}; ask there` : `${app} is not available in any channel`;
      return { reason: 'channel', markdown: `${where}, or ask the operator of this bot for access.` };
    }
    // A Workflow Builder step that names no person: nobody to check the rule against.
    if (!req.userId)
      return { reason: 'unknown_user', markdown: `${app} is limited to certain people: the step must say whom it runs for (its "Run for" input).` };
    if (rule.users || rule.userGroups) {
      const listed = rule.users?.includes(req.userId) === true || (await this.inGroups(req, rule.userGroups ?? []));
      if (!listed) return { reason: 'user', markdown: `${app} is limited to certain people; ask the operator of this bot for access.` };
    }
    const profile = await this.deps.directory.user(req.teamId, req.userId).catch(() => undefined);
    if (!profile) return { reason: 'unknown_user', markdown: `I couldn't check whether you may use ${app} right now; please try again in a moment.` };
    if (profile.guest === true && !rule.guests) return { reason: 'guest', markdown: `${app} is not available to guests of this workspace.` };
    const home = profile.homeTeamId;
    if (home !== undefined && home !== req.teamId && !rule.external && !this.sameOrg(profile.enterpriseId, req.teamId)) {
      return { reason: 'external', markdown: `${app} is not available to people from other organisations in shared channels.` };
    }
    return undefined;
  }

  /** Enterprise Grid: a person of the same org is not external (the team id of a Grid install is the org's E…). */
  private sameOrg(enterpriseId: string | undefined, teamId: string): boolean {
    return enterpriseId !== undefined && enterpriseId === teamId;
  }

  private async inGroups(req: AccessRequest, groups: string[]): Promise<boolean> {
    for (const group of groups) {
      // A group Slack cannot read (no scope, a free plan) lets nobody in through it.
      const members = await this.deps.directory.groupMembers?.(req.teamId, group).catch(() => undefined);
      if (members?.includes(req.userId)) return true;
    }
    return false;
  }

  /** Counts the request in every quota that applies (the global ones and the app's), in fixed windows shared by all replicas. */
  private async count(req: AccessRequest): Promise<Refusal | undefined> {
    const scopes: Array<[string, Limits]> = [
      ['all', this.deps.config.limits],
      [`app:${req.appId}`, this.deps.config.dify.apps[req.appId]?.limits ?? {}],
    ];
    for (const [scope, limits] of scopes) {
      if (limits.perUser) {
        const over = await this.over(`quota:u:${req.teamId}:${req.userId}:${scope}`, limits.perUser);
        if (over !== undefined) {
          const what = scope === 'all' ? 'requests' : `requests to \`${req.appId}\``;
          return { reason: 'quota_user', markdown: `You have reached your limit of ${limits.perUser.text} ${what}. You can ask again ${slackTime(over)}.` };
        }
      }
      if (limits.perChannel) {
        const over = await this.over(`quota:c:${req.teamId}:${req.channelId}:${scope}`, limits.perChannel);
        if (over !== undefined) {
          const what = scope === 'all' ? 'requests' : `requests to \`${req.appId}\``;
          return {
            reason: 'quota_channel',
            markdown: `This channel has reached its limit of ${limits.perChannel.text} ${what}. It can ask again ${slackTime(over)}.`,
          };
        }
      }
    }
    return undefined;
  }

  /** Counts one use in the current window; over the rate: when the window ends. */
  private async over(key: string, rate: Rate): Promise<number | undefined> {
    const now = this.now();
    const window = Math.floor(now / rate.windowMs);
    const count = await this.deps.store.countHit(`${key}:${window}`, rate.windowMs);
    return count > rate.count ? (window + 1) * rate.windowMs : undefined;
  }
}
