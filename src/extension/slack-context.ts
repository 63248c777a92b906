import { z } from 'zod';
import { encodeThreadKey } from '../core/chat/keys.js';
import type { SlackDirectory, UserProfile } from '../core/ports.js';
import type { SlackContextVariable } from '../core/apps/context-inputs.js';
import type { ThreadLog } from '../core/chat/thread-log.js';
import { cachedNames, transcriptOf } from '../core/chat/transcript.js';

export const TOOL_VARIABLES = ['slack_thread', 'slack_user', 'slack_channel'] as const;
export type ToolVariable = (typeof TOOL_VARIABLES)[number];

const slackId = z.string().regex(/^[A-Z0-9]+$/, { message: 'is not a Slack id' });
const originInputs = z.looseObject({
  slack_team_id: slackId.or(z.literal('')).optional(),
  slack_channel_id: slackId.or(z.literal('')).optional(),
  slack_thread_ts: z
    .string()
    .regex(/^(\d+\.\d+)?$/, { message: 'is not a Slack ts (digits.digits)' })
    .optional(),
  slack_user_id: slackId.or(z.literal('')).optional(),
});

/** The inputs each tool reads (slack_team_id too, with several workspaces the bridge cannot tell apart). */
export const TOOL_NEEDS: Record<ToolVariable, readonly SlackContextVariable[]> = {
  slack_thread: ['slack_channel_id', 'slack_thread_ts'],
  slack_user: ['slack_user_id'],
  slack_channel: ['slack_channel_id'],
};

/** Finds a run's workspace when Dify's inputs do not name it, and what the bridge's own runs involved. */
export interface TeamFinder {
  find(where: { channelId?: string | undefined; userId?: string | undefined }): Promise<string | undefined>;
  /** Whether a run of one of `apps` involved this channel, person or thread (`C…:ts`). */
  saw(teamId: string, kind: 'channel' | 'user' | 'thread', id: string, apps: readonly string[]): Promise<boolean>;
}

export interface SlackContextOptions {
  threadMaxChars: number;
  now?: () => Date;
  botUserId?: (teamId: string) => string;
  teams: TeamFinder;
  /**
   * The configured apps whose runs a query from Dify app `difyAppId` may read: those pinned to
   * that id, or (for an id no app is pinned to) the apps pinned to none.
   */
  appsFor: (difyAppId: string) => readonly string[];
  /** Told once per app and tool why a tool answered empty. */
  warn?: (fields: Record<string, unknown>, line: string) => void;
}

/**
 * Answers Dify's external-data queries with Slack context: the thread's transcript, the
 * asker's profile, the channel's description. The log and caches answer first; Slack is asked
 * only for what they lack. Runs without Slack context (Dify's own console) get ''.
 */
export class SlackContextProvider {
  private readonly warned = new Set<string>();

  constructor(
    private readonly log: ThreadLog,
    private readonly directory: SlackDirectory,
    private readonly options: SlackContextOptions,
  ) {}

  async query(variable: ToolVariable, inputs: Record<string, unknown>, appId = ''): Promise<string> {
    const parsed = originInputs.safeParse(inputs);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return this.empty(
        appId,
        variable,
        `input ${issue.path.join('.')} ${issue.message}`,
        `check that the app passes the bridge's value of ${String(issue.path[0])} unchanged`,
      );
    }
    const o = parsed.data;
    const missing = TOOL_NEEDS[variable].filter((v) => o[v as keyof typeof o] === undefined || (v !== 'slack_thread_ts' && o[v as keyof typeof o] === ''));
    if (missing.length) {
      return this.empty(
        appId,
        variable,
        `the app's run has no ${missing.join(' or ')}`,
        `add ${missing.join(' and ')} as ${missing.length > 1 ? 'inputs' : 'an input'} in the app (text, optional): the bridge fills ${missing.length > 1 ? 'them' : 'it'}`,
      );
    }
    const teamId = o.slack_team_id || (await this.options.teams.find({ channelId: o.slack_channel_id, userId: o.slack_user_id }));
    if (!teamId) {
      return this.empty(
        appId,
        variable,
        'the bridge cannot tell which workspace the run comes from',
        'add slack_team_id as an input in the app (text, optional): with several workspaces the bridge needs it',
      );
    }
    // Dify is not a way to read Slack: only threads, channels and people of the bridge's own runs of
    // this app are described (inputs can be typed by a web-app user, or come from another app).
    const apps = this.options.appsFor(appId);
    if (!apps.length) {
      return this.empty(
        appId,
        variable,
        `Dify app ${appId || '(no app_id)'} is not pinned to any configured app`,
        'set difyAppId on the app in BRIDGE_CONFIG to the id Dify sends (shown here), or remove difyAppId from the others',
      );
    }
    if (variable === 'slack_thread' && o.slack_thread_ts === '' && !o.slack_channel_id!.startsWith('D')) {
      return this.empty(
        appId,
        variable,
        'the run names a channel but no thread',
        'a channel is described as a thread only within a thread the bridge answered in',
      );
    }
    const [kind, id] =
      variable === 'slack_user'
        ? (['user', o.slack_user_id!] as const)
        : variable === 'slack_thread'
          ? (['thread', `${o.slack_channel_id!}:${o.slack_thread_ts!}`] as const)
          : (['channel', o.slack_channel_id!] as const);
    if (!(await this.options.teams.saw(teamId, kind, id, apps))) {
      return this.empty(
        appId,
        variable,
        `the bridge never ran ${apps.length === 1 ? `the app ${apps[0]!}` : 'this app'} for this ${kind} (${id})`,
        `the tool describes only threads, channels and people of the bridge's own runs of the app; a run that did not come through the bridge gets no Slack context`,
      );
    }
    switch (variable) {
      case 'slack_thread':
        return this.transcript(teamId, o.slack_channel_id!, o.slack_thread_ts!);
      case 'slack_user':
        return this.userText(teamId, o.slack_user_id!);
      case 'slack_channel':
        return this.channelText(teamId, o.slack_channel_id!);
    }
  }

  /** '' for Dify, and one warning per app and tool for the operator (Dify asks on every message). */
  private empty(appId: string, variable: ToolVariable, why: string, fix: string): string {
    const key = `${appId}\u0000${variable}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.options.warn?.({ dify_app_id: appId || undefined, tool: variable }, `Slack context tool ${variable} answered empty: ${why}; ${fix}`);
    }
    return '';
  }

  private async transcript(teamId: string, channelId: string, threadTs: string): Promise<string> {
    const key = encodeThreadKey({ teamId, channelId, threadTs });
    const messages = this.log.complete(key) ?? this.log.fill(key, await this.directory.threadMessages(teamId, channelId, threadTs));
    const nameOf = cachedNames(async (userId) => (await this.directory.user(teamId, userId))?.name);
    return transcriptOf(messages, { nameOf, botUserId: this.options.botUserId?.(teamId), maxChars: this.options.threadMaxChars });
  }

  private async userText(teamId: string, userId: string): Promise<string> {
    const u = await this.directory.user(teamId, userId);
    if (!u) return '';
    return [`Name: ${u.name}`, ...(u.title ? [`Title: ${u.title}`] : []), ...timeLines(u, this.options.now?.() ?? new Date())].join('\n');
  }

  private async channelText(teamId: string, channelId: string): Promise<string> {
    const c = await this.directory.channel(teamId, channelId);
    if (!c) return '';
    if (c.isDirect) return 'Direct message with the bot';
    return [`Channel: #${c.name ?? channelId}`, ...(c.topic ? [`Topic: ${c.topic}`] : []), ...(c.purpose ? [`Purpose: ${c.purpose}`] : [])].join('\n');
  }
}

function timeLines(u: UserProfile, now: Date): string[] {
  if (u.utcOffset === undefined) return u.timeZone ? [`Time zone: ${u.timeZone}`] : [];
  const sign = u.utcOffset >= 0 ? '+' : '-';
  const abs = Math.abs(u.utcOffset);
  const offset = `UTC${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
  const local = new Date(now.getTime() + u.utcOffset * 1000);
  const day = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][local.getUTCDay()];
  const stamp = local.toISOString().slice(0, 16).replace('T', ' ');
  const zone = [u.timeZone, u.timeZoneLabel].filter(Boolean).join(', ');
  return [`Time zone: ${zone ? `${zone} (${offset})` : offset}`, `Local time: ${day} ${stamp}`];
}

/**
 * Which configured apps' runs a query from a Dify app id may read: the apps pinned to that id;
 * for an id no app is pinned to, the apps pinned to none (so a pinned app's threads are read by
 * its own Dify app alone).
 */
export function appsPinnedTo(apps: Record<string, { difyAppId?: string }>): (difyAppId: string) => readonly string[] {
  const byId = new Map<string, string[]>();
  const unpinned: string[] = [];
  for (const [name, app] of Object.entries(apps)) {
    if (app.difyAppId) byId.set(app.difyAppId, [...(byId.get(app.difyAppId) ?? []), name]);
    else unpinned.push(name);
  }
  return (difyAppId) => byId.get(difyAppId.toLowerCase()) ?? unpinned;
}
