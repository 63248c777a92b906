import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChannelProfile, SlackDirectory, UserProfile } from '../core/ports.js';
import type { LoggedMessage } from '../core/chat/thread-log.js';
import { describeError } from '../core/log-fields.js';
import { downloadSlackFile } from './files/download-file.js';

const userSchema = z.looseObject({
  user: z.looseObject({
    name: z.string().nullish(),
    real_name: z.string().nullish(),
    tz: z.string().nullish(),
    tz_label: z.string().nullish(),
    tz_offset: z.number().nullish(),
    team_id: z.string().nullish(),
    enterprise_user: z.looseObject({ enterprise_id: z.string().nullish() }).nullish(),
    is_restricted: z.boolean().nullish(),
    is_ultra_restricted: z.boolean().nullish(),
    profile: z.looseObject({ display_name: z.string().nullish(), real_name: z.string().nullish(), title: z.string().nullish() }).nullish(),
  }),
});

const channelSchema = z.looseObject({
  channel: z.looseObject({
    name: z.string().nullish(),
    is_im: z.boolean().nullish(),
    topic: z.looseObject({ value: z.string().nullish() }).nullish(),
    purpose: z.looseObject({ value: z.string().nullish() }).nullish(),
  }),
});

const messagesSchema = z.looseObject({
  messages: z
    .array(
      z.looseObject({ ts: z.string(), user: z.string().nullish(), bot_id: z.string().nullish(), text: z.string().nullish(), subtype: z.string().nullish() }),
    )
    .default([]),
});

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/** Group membership is read again after this long (people join and leave on-call rotations). */
const GROUP_TTL_MS = 2 * 60_000;
const groupListSchema = z.looseObject({ usergroups: z.array(z.looseObject({ id: z.string(), handle: z.string().nullish() })).default([]) });
const groupUsersSchema = z.looseObject({ users: z.array(z.string()).default([]) });

/**
 * Slack's users.info, conversations.info and conversations.replies behind caches: profiles
 * change rarely and these methods' rate limits are low.
 */
export class SlackWebDirectory implements SlackDirectory {
  private readonly users = new Map<string, Cached<UserProfile | undefined>>();
  private readonly channels = new Map<string, Cached<ChannelProfile | undefined>>();
  private readonly groups = new Map<string, Cached<string[] | undefined>>();

  constructor(
    private readonly clientOf: (teamId: string) => WebClient,
    private readonly logger: Logger,
    /** The bot token goes to Slack's file hosts only (and SLACK_API_URL's host). */
    private readonly files: { tokenFor(teamId: string): Promise<string>; apiUrl?: string },
    private readonly ttlMs = 30 * 60_000,
  ) {}

  async fetchFile(teamId: string, url: string, maxBytes: number): Promise<{ data: Uint8Array; mimeType?: string }> {
    return downloadSlackFile(url, await this.files.tokenFor(teamId), { maxBytes, ...(this.files.apiUrl ? { apiUrl: this.files.apiUrl } : {}) });
  }

  user(teamId: string, userId: string): Promise<UserProfile | undefined> {
    return this.cached(this.users, `${teamId}:${userId}`, async () => {
      const r = userSchema.parse(await this.clientOf(teamId).users.info({ user: userId }));
      const u = r.user;
      const name = u.profile?.display_name || u.profile?.real_name || u.real_name || u.name || userId;
      return {
        name,
        ...(u.profile?.title ? { title: u.profile.title } : {}),
        ...(u.tz ? { timeZone: u.tz } : {}),
        ...(u.tz_label ? { timeZoneLabel: u.tz_label } : {}),
        ...(typeof u.tz_offset === 'number' ? { utcOffset: u.tz_offset } : {}),
        guest: u.is_restricted === true || u.is_ultra_restricted === true,
        ...(u.team_id ? { homeTeamId: u.team_id } : {}),
        ...(u.enterprise_user?.enterprise_id ? { enterpriseId: u.enterprise_user.enterprise_id } : {}),
      };
    });
  }

  channel(teamId: string, channelId: string): Promise<ChannelProfile | undefined> {
    return this.cached(this.channels, `${teamId}:${channelId}`, async () => {
      const c = channelSchema.parse(await this.clientOf(teamId).conversations.info({ channel: channelId })).channel;
      return {
        isDirect: c.is_im === true,
        ...(c.name ? { name: c.name } : {}),
        ...(c.topic?.value ? { topic: c.topic.value } : {}),
        ...(c.purpose?.value ? { purpose: c.purpose.value } : {}),
      };
    });
  }

  /** Who is in a user group (by id, or by handle through usergroups.list); membership changes, so it is kept briefly. */
  groupMembers(teamId: string, group: string): Promise<string[] | undefined> {
    return this.cached(
      this.groups,
      `${teamId}:${group}`,
      async () => {
        const client = this.clientOf(teamId);
        let id = group;
        if (group.startsWith('@')) {
          const list = groupListSchema.parse(await client.usergroups.list({}));
          const found = list.usergroups.find((g) => g.handle === group.slice(1));
          if (!found) throw new Error(`no user group with the handle ${group}`);
          id = found.id;
        }
        return groupUsersSchema.parse(await client.usergroups.users.list({ usergroup: id })).users;
      },
      GROUP_TTL_MS,
    );
  }

  async threadMessages(teamId: string, channelId: string, threadTs: string): Promise<LoggedMessage[]> {
    const raw = threadTs
      ? await this.clientOf(teamId).conversations.replies({ channel: channelId, ts: threadTs, limit: 200 })
      : await this.clientOf(teamId).conversations.history({ channel: channelId, limit: 50 });
    const messages = messagesSchema.parse(raw).messages;
    return messages
      .filter((m) => !m.subtype || m.subtype === 'bot_message' || m.subtype === 'thread_broadcast')
      .map((m) => ({ ts: m.ts, userId: m.user ?? m.bot_id ?? 'unknown', text: m.text ?? '' }))
      .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  }

  /** Caches answers, failures included for a minute (so a missing scope is not retried per call). */
  private cached<T>(map: Map<string, Cached<T | undefined>>, key: string, load: () => Promise<T>, ttlMs = this.ttlMs): Promise<T | undefined> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = load().catch((err: unknown) => {
      this.logger.warn({ err: describeError(err), key }, 'Slack lookup failed');
      map.set(key, { at: Date.now() - ttlMs + Math.min(60_000, ttlMs), value: Promise.resolve(undefined) });
      return undefined;
    });
    map.set(key, { at: Date.now(), value });
    if (map.size > 10_000) map.delete(map.keys().next().value!);
    return value;
  }
}
