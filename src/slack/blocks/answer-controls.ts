import type { ActionsBlock, Button } from '@slack/types';
import { z } from 'zod';
import type { AnswerControls, FeedbackRef } from '../../core/answer-sink.js';

export const STOP_ACTION = 'dify_stop';
export const SUGGEST_ACTION = 'dify_suggest';
export const SUGGESTIONS_BLOCK = 'dify_suggestions';
export const suggestValueSchema = z.object({ q: z.string().min(1) });
export const FEEDBACK_ACTION = 'dify_feedback';
export const CONTROLS_BLOCK = 'dify_controls';

/** What a Stop button carries: the run, and who asked (for the "asker only" policy). */
export const stopValueSchema = z.object({ r: z.string(), a: z.string() });
/** What a feedback button carries: enough to reach Dify without any lookup. */
export const feedbackValueSchema = z.object({ app: z.string(), m: z.string(), u: z.string(), rating: z.enum(['like', 'dislike']), chosen: z.enum(['like', 'dislike']).optional() });
export type FeedbackValue = z.infer<typeof feedbackValueSchema>;

const button = (text: string, action_id: string, value: unknown, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text, emoji: true },
  value: JSON.stringify(value),
  ...(style ? { style } : {}),
});

export function feedbackBlock(ref: FeedbackRef): ActionsBlock {
  const value = (rating: 'like' | 'dislike') => ({ app: ref.appId, m: ref.messageId, u: ref.user, rating, ...(ref.rating ? { chosen: ref.rating } : {}) });
  return {
    type: 'actions',
    block_id: CONTROLS_BLOCK,
    elements: [
      // The chosen rating is highlighted; pressing it again takes it back.
      button(ref.rating === 'like' ? '👍 Helpful' : '👍', `${FEEDBACK_ACTION}_like`, value('like'), ref.rating === 'like' ? 'primary' : undefined),
      button(ref.rating === 'dislike' ? '👎 Not helpful' : '👎', `${FEEDBACK_ACTION}_dislike`, value('dislike'), ref.rating === 'dislike' ? 'danger' : undefined),
    ],
  };
}

/** The buttons under an answer's last message: Stop while it runs; feedback and follow-ups after. */
export function controlsBlocks(controls: AnswerControls): ActionsBlock[] {
  if (controls.stop) {
    return [{ type: 'actions', block_id: CONTROLS_BLOCK, elements: [button('■ Stop', STOP_ACTION, { r: controls.stop.runId, a: controls.stop.askerId }, 'danger')] }];
  }
  const blocks: ActionsBlock[] = [];
  if (controls.suggestions?.length) {
    blocks.push({
      type: 'actions',
      block_id: SUGGESTIONS_BLOCK,
      // Button text is capped at 75 characters; the value carries the whole question.
      elements: controls.suggestions.slice(0, 3).map((q, i) => button(q.length > 75 ? `${q.slice(0, 74)}…` : q, `${SUGGEST_ACTION}_${i}`, { q: q.slice(0, 1900) })),
    });
  }
  if (controls.feedback) blocks.push(feedbackBlock(controls.feedback));
  return blocks;
}
