import type { App, MessageShortcut } from '@slack/bolt';
import type { View } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import { EDITABLE_LIMIT, type ApprovedAnswers } from '../../core/chat/approved-answers.js';
import { describeError } from '../../core/log-fields.js';

export const SAVE_SHORTCUT = 'dify_save_answer';
export const SAVE_CALLBACK_ID = 'dify_save_answer_modal';
export const SAVE_QUESTION_BLOCK = 'dify_save_question';
export const SAVE_ANSWER_BLOCK = 'dify_save_answer';

export const saveMetadataSchema = z.object({ team: z.string(), channel: z.string(), ts: z.string(), thread: z.string().optional(), app: z.string() });

const messageSchema = z.looseObject({
  ts: z.string(),
  thread_ts: z.string().optional(),
  user: z.string().optional(),
  text: z.string().optional(),
  blocks: z.array(z.looseObject({ type: z.string(), text: z.unknown().optional() })).optional(),
});

/** The answer as written: its Markdown blocks (the bridge's answers), else its text. */
function answerOf(m: z.infer<typeof messageSchema>): string {
  const markdown = (m.blocks ?? []).filter((b) => b.type === 'markdown' && typeof b.text === 'string').map((b) => b.text as string);
  return markdown.length ? markdown.join('\n\n') : (m.text ?? '');
}

const textInput = (block: string, label: string, value: string): View['blocks'][number] => ({
  type: 'input',
  block_id: block,
  label: { type: 'plain_text', text: label },
  element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: EDITABLE_LIMIT, ...(value ? { initial_value: value } : {}) },
});

/**
 * "Save as approved answer" on one of the bot's answers: for the app's editors, a modal with
 * the question and the answer (both editable); refused privately for anyone else, and for an
 * app whose Annotation Reply is off.
 */
export function registerSaveApprovedAnswer(app: App, approved: ApprovedAnswers, logger: Logger): void {
  app.shortcut<MessageShortcut>({ callback_id: SAVE_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, client, context, respond }) => {
    await ack();
    const teamId = context.teamId ?? shortcut.team?.id;
    const message = messageSchema.safeParse(shortcut.message);
    if (!teamId || !message.success) return;
    const m = message.data;
    try {
      if (m.user !== context.botUserId) {
        await respond({ response_type: 'ephemeral', text: 'Use *Save as approved answer* on one of my answers.' });
        return;
      }
      const channelId = shortcut.channel.id;
      const at = { teamId, channelId, isDirect: channelId.startsWith('D'), ts: m.ts, ...(m.thread_ts ? { threadTs: m.thread_ts } : {}) };
      const plan = await approved.prepare(at, shortcut.user.id, answerOf(m));
      if (plan.kind === 'refused') {
        await respond({ response_type: 'ephemeral', text: plan.markdown });
        return;
      }
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: {
          type: 'modal',
          callback_id: SAVE_CALLBACK_ID,
          title: { type: 'plain_text', text: 'Approved answer' },
          submit: { type: 'plain_text', text: 'Save' },
          close: { type: 'plain_text', text: 'Cancel' },
          private_metadata: JSON.stringify({ team: teamId, channel: channelId, ts: m.ts, ...(m.thread_ts ? { thread: m.thread_ts } : {}), app: plan.appId }),
          blocks: [
            {
              type: 'context',
              elements: [{ type: 'mrkdwn', text: `\`${plan.appId}\` will answer this question with this answer from now on (Dify's Annotation Reply).` }],
            },
            textInput(SAVE_QUESTION_BLOCK, 'Question', plan.question),
            textInput(SAVE_ANSWER_BLOCK, 'Answer', plan.answer),
          ],
        },
      });
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'could not open the approved-answer modal');
    }
  });
}
