import type { App, MessageShortcut } from '@slack/bolt';
import type { View } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChatBridge } from '../../core/chat/chat-bridge.js';
import { describeError } from '../../core/log-fields.js';
import { shortcutTarget } from './shortcut-target.js';
import { sharedFiles, slackFilesSchema } from '../events/incoming-message.js';

export const ASK_SHORTCUT = 'dify_ask';
export const ASK_CALLBACK_ID = 'dify_ask_modal';
export const ASK_QUESTION_BLOCK = 'dify_ask_question';
export const ASK_APP_BLOCK = 'dify_ask_app';
/** A view's private_metadata takes 3,000 characters: the message goes with at most this much of its text. */
const QUOTED_LIMIT = 2_400;

/** What the modal carries to its submission: where the message is, and the message. */
export const askMetadataSchema = z.object({
  team: z.string().min(1),
  channel: z.string().min(1),
  /** The message's ts, and its thread's (the answer goes into that thread). */
  ts: z.string().min(1),
  thread: z.string().min(1),
  author: z.string().optional(),
  text: z.string(),
  /** The message's files (at most a few; they go to the app with the question, as the app's file settings allow). */
  files: z.array(z.object({ name: z.string(), mimeType: z.string(), size: z.number(), url: z.string().optional() })).optional(),
  /** The single app, when the person may use only one here (no choice shown). */
  app: z.string().optional(),
});
export type AskMetadata = z.infer<typeof askMetadataSchema>;

const messageSchema = z.looseObject({
  ts: z.string(),
  thread_ts: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().optional(),
  files: slackFilesSchema.optional(),
});
/** Files the question takes along from the message (each costs ~200 characters of the metadata). */
const MAX_FILES = 5;

function askModal(meta: AskMetadata, apps: string[], channelName: string): View {
  const quote = meta.text.trim() ? meta.text.trim().slice(0, 280) : '(a message without text)';
  return {
    type: 'modal',
    callback_id: ASK_CALLBACK_ID,
    title: { type: 'plain_text', text: 'Ask Dify' },
    submit: { type: 'plain_text', text: 'Ask' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: JSON.stringify(meta),
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `About this message in #${channelName}:\n>${quote.replace(/\n/g, '\n>')}${meta.text.length > 280 ? '…' : ''}`.slice(0, 3000),
          },
        ],
      },
      {
        type: 'input',
        block_id: ASK_QUESTION_BLOCK,
        label: { type: 'plain_text', text: 'Your question' },
        element: {
          type: 'plain_text_input',
          action_id: 'q',
          multiline: true,
          max_length: 3000,
          placeholder: { type: 'plain_text', text: 'What would you like to know about it?' },
        },
      },
      ...(apps.length > 1
        ? [
            {
              type: 'input' as const,
              block_id: ASK_APP_BLOCK,
              label: { type: 'plain_text' as const, text: 'Ask' },
              element: {
                type: 'static_select' as const,
                action_id: 'app',
                initial_option: { text: { type: 'plain_text' as const, text: apps[0]! }, value: apps[0]! },
                options: apps.slice(0, 100).map((a) => ({ text: { type: 'plain_text' as const, text: a.slice(0, 75) }, value: a })),
              },
            },
          ]
        : []),
    ],
  };
}

/**
 * "Ask Dify about this" on a message: a modal for the question (and the chat app, where the
 * person may use several here); the answer goes into the message's thread. Where the bot is
 * not in the channel, or the person may use no app there, they are told privately and no
 * modal opens.
 */
export function registerAskAboutMessage(app: App, chat: ChatBridge, logger: Logger): void {
  app.shortcut<MessageShortcut>({ callback_id: ASK_SHORTCUT, type: 'message_action' }, async (args) => {
    const { ack, shortcut, client, respond } = args;
    await ack();
    try {
      const target = await shortcutTarget(args, messageSchema, logger);
      if (!target) return;
      const { teamId, channelId } = target;
      const dmsOff = chat.dmsOffLine(channelId);
      if (dmsOff) return void (await respond({ response_type: 'ephemeral', text: dmsOff }));
      const apps = await chat.chatAppsFor(teamId, channelId, shortcut.user.id);
      if (apps.length === 0) {
        await respond({
          response_type: 'ephemeral',
          text: 'None of the Dify chat apps here is open to you in this channel; ask the operator of this bot for access.',
        });
        return;
      }
      const m = target.message;
      const meta: AskMetadata = {
        team: teamId,
        channel: channelId,
        ts: m.ts,
        thread: m.thread_ts ?? m.ts,
        ...(m.user ? { author: m.user } : {}),
        text: '',
        ...(apps.length === 1 ? { app: apps[0]! } : {}),
      };
      const files = sharedFiles(m.files ?? []).slice(0, MAX_FILES);
      if (files.length) meta.files = files;
      // The text takes what the metadata's 3,000 characters leave (files go whole, or not at all).
      meta.text = (m.text ?? '').slice(0, Math.max(0, QUOTED_LIMIT - (files.length ? JSON.stringify(files).length : 0)));
      await client.views.open({ trigger_id: shortcut.trigger_id, view: askModal(meta, apps, shortcut.channel.name || channelId) });
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not open the "Ask Dify about this" modal');
    }
  });
}
