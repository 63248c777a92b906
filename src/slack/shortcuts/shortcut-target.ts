import type { MessageShortcut, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { z } from 'zod';

/**
 * A shortcut can be used on any message, also where the bot cannot post: the line that says so
 * (and how to invite it), or undefined where it is a member (DMs always).
 */
async function notAMemberLine(client: WebClient, channelId: string, botUserId: string | undefined): Promise<string | undefined> {
  if (channelId.startsWith('D')) return undefined;
  const info = await client.conversations.info({ channel: channelId }).catch(() => undefined);
  if (info?.channel?.is_member === true) return undefined;
  const me = botUserId ? `<@${botUserId}>` : 'me';
  return `I'm not a member of <#${channelId}>, so I cannot answer there: invite me with /invite ${me}, then try again.`;
}

/**
 * Where a message shortcut that answers in the channel was used, and its message (validated);
 * undefined when it cannot go on (the person is told privately where the bot is not a member).
 */
export async function shortcutTarget<S extends z.ZodType>(
  args: { shortcut: MessageShortcut; client: WebClient; context: { teamId?: string; botUserId?: string }; respond: RespondFn },
  schema: S,
  logger: Logger,
): Promise<{ teamId: string; channelId: string; message: z.infer<S> } | undefined> {
  const { shortcut, client, context, respond } = args;
  const teamId = context.teamId ?? shortcut.team?.id;
  const message = schema.safeParse(shortcut.message);
  if (!teamId || !message.success) {
    logger.warn({ callback: shortcut.callback_id }, 'a message shortcut without its workspace or message; ignored');
    return undefined;
  }
  const channelId = shortcut.channel.id;
  const outside = await notAMemberLine(client, channelId, context.botUserId);
  if (outside) {
    await respond({ response_type: 'ephemeral', text: outside });
    return undefined;
  }
  return { teamId, channelId, message: message.data };
}
