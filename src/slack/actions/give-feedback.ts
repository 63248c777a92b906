import type { App, BlockAction, ButtonAction, FeedbackButtonsAction } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { FeedbackRef } from '../../core/ports.js';
import { describeError } from '../../core/log-fields.js';
import { CONTROLS_BLOCK, FEEDBACK_ACTIONS, RATING_BLOCK, feedbackBlocks, feedbackValueSchema } from '../blocks/answer-controls.js';
import { parseJson } from '../parse-json.js';

export const COMMENT_CALLBACK = 'dify_feedback_comment';
const commentMetadata = z.object({ app: z.string(), m: z.string(), u: z.string() });

/**
 * 👍 / 👎 under an answer (Slack's feedback buttons, or ordinary ones): the rating goes to Dify
 * as the run's user, the message shows the choice (pressing it again takes it back), and 👎
 * offers a comment box sent as the content.
 */
export function registerFeedback(
  app: App,
  sendFeedback: (ref: FeedbackRef, rating: 'like' | 'dislike' | null, content?: string) => Promise<void>,
  refuse: (who: { teamId: string; channelId: string; userId: string; appId: string }) => Promise<string | undefined>,
  logger: Logger,
): void {
  app.action<BlockAction<ButtonAction | FeedbackButtonsAction>>(FEEDBACK_ACTIONS, async ({ ack, action, body, client, respond }) => {
    await ack();
    const parsed = feedbackValueSchema.safeParse(parseJson(action.value));
    if (!parsed.success || !body.channel) return;
    const v = parsed.data;
    const ref: FeedbackRef = { appId: v.app, messageId: v.m, user: v.u };
    const rating = v.chosen === v.rating ? null : v.rating;
    // A rating is a Dify call made for the app: the access policy decides it as it decides a question.
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const refusal = await refuse({ teamId, channelId: body.channel.id, userId: body.user.id, appId: v.app });
    if (refusal) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: refusal }).catch(() => undefined));
    try {
      await sendFeedback(ref, rating);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'Dify refused the feedback');
      await respond({ response_type: 'ephemeral', replace_original: false, text: '⚠️ Dify did not take the feedback; please try again.' }).catch(
        () => undefined,
      );
      return;
    }
    // A private answer is ephemeral: Slack cannot edit it, so the choice is said in a line of its own.
    if (!body.message) {
      const said = rating === 'like' ? '👍 Thanks, rated helpful.' : rating === 'dislike' ? '👎 Thanks, rated not helpful.' : 'Rating taken back.';
      await respond({ response_type: 'ephemeral', replace_original: false, text: said }).catch(() => undefined);
    } else {
      // Same message, its feedback control (of the kind pressed) showing the new state.
      const look = action.type === 'feedback_buttons' ? 'native' : 'buttons';
      const blocks = ((body.message['blocks'] as KnownBlock[] | undefined) ?? [])
        .filter((b) => b.block_id !== RATING_BLOCK)
        .flatMap((b) => (b.block_id === CONTROLS_BLOCK ? feedbackBlocks({ ...ref, ...(rating ? { rating } : {}) }, look) : [b]));
      await client.chat
        .update({ channel: body.channel.id, ts: body.message.ts, text: String(body.message['text'] ?? ''), blocks })
        .catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not show the chosen rating'));
    }
    if (rating === 'dislike' && 'trigger_id' in body) {
      await client.views
        .open({
          trigger_id: body.trigger_id,
          view: {
            type: 'modal',
            callback_id: COMMENT_CALLBACK,
            private_metadata: JSON.stringify({ app: v.app, m: v.m, u: v.u }),
            title: { type: 'plain_text', text: 'What went wrong?' },
            submit: { type: 'plain_text', text: 'Send' },
            close: { type: 'plain_text', text: 'Skip' },
            blocks: [
              {
                type: 'input',
                block_id: 'comment',
                optional: true,
                label: { type: 'plain_text', text: "Tell the app's builders" },
                element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2000 },
              },
            ],
          },
        })
        .catch((err: unknown) => logger.warn({ err: describeError(err) }, 'could not open the comment box'));
    }
  });

  app.view(COMMENT_CALLBACK, async ({ ack, view }) => {
    await ack();
    const meta = commentMetadata.safeParse(parseJson(view.private_metadata));
    const comment = view.state.values['comment']?.['value']?.value?.trim();
    if (!meta.success || !comment) return;
    await sendFeedback({ appId: meta.data.app, messageId: meta.data.m, user: meta.data.u }, 'dislike', comment).catch((err: unknown) =>
      logger.warn({ err: describeError(err) }, 'Dify refused the feedback comment'),
    );
  });
}
