import { z } from 'zod';
import type { IncomingMessage, SharedFile } from '../../core/ports.js';

/** The files of a message, as events and shortcuts carry them. */
export const slackFilesSchema = z.array(
  z.looseObject({
    name: z.string().nullish(),
    title: z.string().nullish(),
    mimetype: z.string().nullish(),
    size: z.number().nullish(),
    url_private_download: z.string().nullish(),
    url_private: z.string().nullish(),
  }),
);

/** A message's files as the core takes them (where to download each, and what it is). */
export function sharedFiles(files: z.infer<typeof slackFilesSchema>): SharedFile[] {
  return files.map((f) => {
    const url = f.url_private_download ?? f.url_private;
    return { name: f.name ?? f.title ?? 'file', mimeType: f.mimetype ?? 'application/octet-stream', size: f.size ?? 0, ...(url ? { url } : {}) };
  });
}

/** The fields of app_mention and message events the bridge reads; everything else is ignored. */
export const userMessageSchema = z.looseObject({
  type: z.enum(['app_mention', 'message']),
  user: z.string().min(1),
  text: z.string().default(''),
  ts: z.string().regex(/^\d+\.\d+$/),
  thread_ts: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  channel: z.string().min(1),
  channel_type: z.enum(['channel', 'group', 'im', 'mpim', 'app_home']).optional(),
  team: z.string().optional(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
  files: slackFilesSchema.optional(),
});

export type SlackUserMessage = z.infer<typeof userMessageSchema>;

/** Slackbot's user id in every workspace. */
const SLACKBOT = 'USLACKBOT';

/**
 * A Slack message event → the core's IncomingMessage, or undefined when it is not a person's
 * new message: edits, deletions, joins and other subtypes, and anything from a bot (our own
 * edits come back as message_changed; other bots could loop with us).
 */
export function toIncomingMessage(raw: unknown, context: { teamId?: string | undefined; botUserId?: string | undefined }): IncomingMessage | undefined {
  // Every edit of a streaming answer comes back as message_changed: turned away before parsing.
  const r = raw as { subtype?: unknown; bot_id?: unknown } | null;
  if (r && typeof r === 'object' && ((r.subtype !== undefined && r.subtype !== 'file_share') || r.bot_id !== undefined)) return undefined;
  const parsed = userMessageSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  // file_share is a person's message with files; every other subtype is not a new message.
  if ((e.subtype !== undefined && e.subtype !== 'file_share') || e.bot_id !== undefined) return undefined;
  if (context.botUserId && e.user === context.botUserId) return undefined;
  // Slackbot's own notices in the bot's DM ("You have been removed from #x") are nobody asking.
  if (e.user === SLACKBOT) return undefined;
  const teamId = context.teamId ?? e.team;
  if (!teamId) return undefined;
  const channelType = e.channel_type === 'app_home' ? 'im' : (e.channel_type ?? (e.channel.startsWith('D') ? 'im' : 'channel'));
  return {
    teamId,
    channelId: e.channel,
    channelType,
    ts: e.ts,
    ...(e.thread_ts && e.thread_ts !== e.ts ? { threadTs: e.thread_ts } : {}),
    userId: e.user,
    text: stripMention(e.text, context.botUserId),
    mentioned: e.type === 'app_mention',
    ...(e.files && e.files.length > 0 ? { files: sharedFiles(e.files) } : {}),
  };
}

// One pattern per bot user id (a handful per process), not one per message.
const mentionPatterns = new Map<string, RegExp>();

function mentionPattern(botUserId: string): RegExp {
  let pattern = mentionPatterns.get(botUserId);
  if (!pattern) {
    pattern = new RegExp(`<@${botUserId.replace(/[^A-Za-z0-9]/g, '')}(\\|[^>]*)?>`, 'g');
    if (mentionPatterns.size > 1000) mentionPatterns.clear();
    mentionPatterns.set(botUserId, pattern);
  }
  return pattern;
}

/** Removes the bot's own mention (`<@U123>` or `<@U123|name>`) so Dify sees only the question. */
export function stripMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text
    .replace(mentionPattern(botUserId), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
