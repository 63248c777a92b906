import type { App, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApprovedAnswers } from '../../core/chat/approved-answers.js';
import { describeError } from '../../core/log-fields.js';
import { parseJson } from '../parse-json.js';
import { SAVE_ANSWER_BLOCK, SAVE_CALLBACK_ID, SAVE_QUESTION_BLOCK, saveMetadataSchema } from '../shortcuts/save-approved-answer.js';

const SAVED_BLOCK = 'dify_saved_answer';
const repliesSchema = z.looseObject({
  messages: z.array(z.looseObject({ ts: z.string(), text: z.string().optional(), blocks: z.array(z.record(z.string(), z.unknown())).optional() })).default([]),
});

/** The answer message gets one line saying who saved it (a second save replaces that line). */
async function markSaved(client: WebClient, m: z.infer<typeof saveMetadataSchema>, userId: string): Promise<void> {
  const raw = m.thread
    ? await client.conversations.replies({ channel: m.channel, ts: m.thread, limit: 200 })
    : await client.conversations.history({ channel: m.channel, latest: m.ts, inclusive: true, limit: 1 });
  const message = repliesSchema.parse(raw).messages.find((x) => x.ts === m.ts);
  if (!message) return;
  const blocks = (message.blocks ?? [{ type: 'markdown', text: message.text ?? '' }]).filter((b) => b['block_id'] !== SAVED_BLOCK);
  await client.chat.update({
    channel: m.channel,
    ts: m.ts,
    text: (message.text ?? '').slice(0, 3000) || 'Answer',
    blocks: [
      ...blocks,
      { type: 'context', block_id: SAVED_BLOCK, elements: [{ type: 'mrkdwn', text: `✅ Saved as the approved answer by <@${userId}>` }] },
    ] as never,
  });
}

/** The approved-answer modal submitted: saved in Dify (an error stays in the modal), then marked on the answer. */
export function registerApprovedAnswerSubmitted(app: App, approved: ApprovedAnswers, logger: Logger): void {
  app.view<ViewSubmitAction>(SAVE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const meta = saveMetadataSchema.safeParse(parseJson(view.private_metadata));
    const question = view.state.values[SAVE_QUESTION_BLOCK]?.['v']?.value?.trim() ?? '';
    const answer = view.state.values[SAVE_ANSWER_BLOCK]?.['v']?.value?.trim() ?? '';
    if (!meta.success) {
      await ack();
      return;
    }
    const missing = {
      ...(question ? {} : { [SAVE_QUESTION_BLOCK]: 'The question to answer is needed.' }),
      ...(answer ? {} : { [SAVE_ANSWER_BLOCK]: 'The answer is needed.' }),
    };
    if (Object.keys(missing).length) {
      await ack({ response_action: 'errors', errors: missing });
      return;
    }
    // Dify answers well within Slack's 3 seconds; its refusal is shown where it can be fixed.
    const refused = await approved.save(meta.data.app, question, answer);
    if (refused) {
      await ack({ response_action: 'errors', errors: { [SAVE_ANSWER_BLOCK]: refused.slice(0, 150) } });
      return;
    }
    await ack();
    await markSaved(client, meta.data, body.user.id).catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not mark the answer as saved'));
  });
}
