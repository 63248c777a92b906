import { z } from 'zod';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import type { ChangedQuestion } from '../../core/ports.js';
import type { EventRouter } from './event-router.js';
import { stripMention } from './incoming-message.js';
import { teamOf } from './message.js';

const slackTs = z.string().regex(/^\d+\.\d+$/);
const channelType = z.enum(['channel', 'group', 'im', 'mpim', 'app_home']).optional();

/** message_changed: the new message (its own ts, `edited` when a person edited it) and the previous one. */
const changedSchema = z.looseObject({
  subtype: z.literal('message_changed'),
  channel: z.string().min(1),
  channel_type: channelType,
  message: z.looseObject({
    user: z.string().optional(),
    bot_id: z.string().optional(),
    text: z.string().default(''),
    ts: slackTs,
    thread_ts: slackTs.optional(),
    edited: z.looseObject({ ts: z.string() }).optional(),
  }),
  previous_message: z.looseObject({ text: z.string().default('') }).optional(),
});

/** message_deleted: `previous_message` is optional (Slack's own example has none). */
const deletedSchema = z.looseObject({
  subtype: z.literal('message_deleted'),
  channel: z.string().min(1),
  channel_type: channelType,
  ts: z.string(),
  deleted_ts: slackTs,
  previous_message: z.looseObject({ user: z.string().optional(), bot_id: z.string().optional(), thread_ts: slackTs.optional() }).optional(),
});

const typeOf = (type: z.infer<typeof channelType>, channel: string): ChangedQuestion['channelType'] =>
  type === 'app_home' ? 'im' : (type ?? (channel.startsWith('D') ? 'im' : 'channel'));

/**
 * A person edited or deleted a message: the core looks for an answer to it. Only a person's
 * real edit counts (Slack also sends message_changed for unfurls and language detection, and
 * for the bot's own edits).
 */
export function registerQuestionChanged(events: EventRouter, bridge: ChatBridge): void {
  events.on('message', async ({ event, body, context }) => {
    // Most message events are new messages, not changes: they need no parsing here.
    if (event['subtype'] !== 'message_changed' && event['subtype'] !== 'message_deleted') return;
    const teamId = context.teamId ?? teamOf(body);
    if (!teamId) return;
    const changed = changedSchema.safeParse(event);
    if (changed.success) {
      const { message, previous_message: before, channel } = changed.data;
      if (!message.user || message.bot_id !== undefined || message.user === context.botUserId) return;
      if (!message.edited || message.text === before?.text) return;
      await bridge.changed({
        teamId,
        channelId: channel,
        channelType: typeOf(changed.data.channel_type, channel),
        ts: message.ts,
        ...(message.thread_ts && message.thread_ts !== message.ts ? { threadTs: message.thread_ts } : {}),
        userId: message.user,
        text: stripMention(message.text, context.botUserId),
        mentioned: context.botUserId !== undefined && message.text.includes(`<@${context.botUserId}`),
        changeTs: message.edited.ts,
      });
      return;
    }
    const deleted = deletedSchema.safeParse(event);
    if (!deleted.success) return;
    const before = deleted.data.previous_message;
    if (before?.bot_id !== undefined || (before?.user !== undefined && before.user === context.botUserId)) return;
    const { channel, deleted_ts: ts } = deleted.data;
    await bridge.changed({
      teamId,
      channelId: channel,
      channelType: typeOf(deleted.data.channel_type, channel),
      ts,
      ...(before?.thread_ts && before.thread_ts !== ts ? { threadTs: before.thread_ts } : {}),
      userId: before?.user ?? '',
      mentioned: true,
      changeTs: deleted.data.ts,
    });
  });
}
