import type { App, MessageShortcut } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { describeError } from '../../core/log-fields.js';
import { shortcutTarget } from './shortcut-target.js';

export const SUMMARIZE_SHORTCUT = 'dify_summarize';
const SUMMARY_REQUEST = 'Summarize this Slack thread: the main points, what was decided, and what is still open.';

const messageSchema = z.looseObject({ ts: z.string(), thread_ts: z.string().optional(), reply_count: z.number().optional() });

/** A ts for a request that has no message of its own (orders after everything in the thread so far). */
const nowTs = () => {
  const us = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
};

/**
 * "Summarize thread" on any message of a thread: the thread so far goes to the configured app
 * (BRIDGE_CONFIG `shortcuts.summarize`) in a run of its own, and the summary is posted in the
 * thread (privately where the channel's answers are private). The thread's own conversation,
 * and the app it talks to, stay as they are.
 */
export function registerSummarizeThread(app: App, chat: ChatBridge, summarizeApp: string, logger: Logger): void {
  app.shortcut<MessageShortcut>({ callback_id: SUMMARIZE_SHORTCUT, type: 'message_action' }, async (args) => {
    const { ack, shortcut, respond } = args;
    await ack();
    try {
      const target = await shortcutTarget(args, messageSchema, logger);
      if (!target) return;
      const { teamId, channelId, message: m } = target;
      const dmsOff = chat.dmsOffLine(channelId);
      if (dmsOff) return void (await respond({ response_type: 'ephemeral', text: dmsOff }));
      if (m.thread_ts === undefined && (m.reply_count ?? 0) === 0) {
        await respond({ response_type: 'ephemeral', text: 'This message has no thread yet: use "Summarize thread" on a message with replies.' });
        return;
      }
      await chat.handle({
        teamId,
        channelId,
        channelType: channelId.startsWith('D') ? 'im' : 'channel',
        ts: nowTs(),
        threadTs: m.thread_ts ?? m.ts,
        userId: shortcut.user.id,
        text: SUMMARY_REQUEST,
        mentioned: true,
        appId: summarizeApp,
        summarize: true,
      });
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not summarize the thread');
    }
  });
}
