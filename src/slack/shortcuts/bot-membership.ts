import type { WebClient } from '@slack/web-api';

/**
 * A shortcut can be used on any message, also where the bot cannot post: the line that says so
 * (and how to invite it), or undefined where it is a member (DMs always).
 */
export async function notAMemberLine(client: WebClient, channelId: string, botUserId: string | undefined): Promise<string | undefined> {
  if (channelId.startsWith('D')) return undefined;
  const info = await client.conversations.info({ channel: channelId }).catch(() => undefined);
  if (info?.channel?.is_member === true) return undefined;
  const me = botUserId ? `<@${botUserId}>` : 'me';
  return `I'm not a member of <#${channelId}>, so I cannot answer there: invite me with /invite ${me}, then try again.`;
}
