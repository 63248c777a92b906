import type { ActionsBlock, Button, ContextActionsBlock, ContextBlock, KnownBlock } from '@slack/types';
import { z } from 'zod';
import type { AnswerControls, FeedbackRef, FormControl } from '../../core/ports.js';
import { slackDate } from '../../core/slack-date.js';

export const STOP_ACTION = 'dify_stop';
export const SUGGEST_ACTION = 'dify_suggest';
export const SUGGESTIONS_BLOCK = 'dify_suggestions';
export const suggestValueSchema = z.object({ q: z.string().min(1) });
export const FEEDBACK_ACTION = 'dify_feedback';
/** The action ids of follow-up buttons and of both kinds of feedback buttons. */
export const SUGGEST_ACTIONS = new RegExp(`^${SUGGEST_ACTION}_\\d+$`);
export const FEEDBACK_ACTIONS = new RegExp(`^${FEEDBACK_ACTION}(_like|_dislike)?$`);
export const CONTROLS_BLOCK = 'dify_controls';
/** The line under Slack's feedback buttons that says which rating was given. */
export const RATING_BLOCK = 'dify_rating';

export const FORM_ACTION = 'dify_form';
/** The action ids of a form's buttons (one per Dify user action). */
export const FORM_ACTIONS = new RegExp(`^${FORM_ACTION}_\\d+$`);
/** What a form button carries: the workflow run, which pause, which form, which action. */
export const formValueSchema = z.object({ r: z.string().min(1), p: z.number().int(), f: z.number().int(), a: z.string().min(1) });

/** What a Stop button carries: the run, and who asked (for the "asker only" policy). */
export const stopValueSchema = z.object({ r: z.string(), a: z.string() });
/** What a feedback button carries: enough to reach Dify without any lookup. */
export const feedbackValueSchema = z.object({
  app: z.string(),
  m: z.string(),
  u: z.string(),
  rating: z.enum(['like', 'dislike']),
  chosen: z.enum(['like', 'dislike']).optional(),
});
export type FeedbackValue = z.infer<typeof feedbackValueSchema>;

const button = (text: string, action_id: string, value: unknown, style?: 'primary' | 'danger', raw?: string): Button => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text, emoji: true },
  value: raw ?? JSON.stringify(value),
  ...(style ? { style } : {}),
});

/** Where Slack's own feedback buttons are refused, or were, ordinary buttons stand in. */
export type FeedbackLook = 'native' | 'buttons';

/**
 * 👍 / 👎 for an answer, showing the rating already given (pressing it again takes it back):
 * Slack's feedback_buttons element with a line saying the choice, or two buttons, the chosen
 * one highlighted.
 */
export function feedbackBlocks(ref: FeedbackRef, look: FeedbackLook): KnownBlock[] {
  const value = (rating: 'like' | 'dislike') =>
    JSON.stringify({ app: ref.appId, m: ref.messageId, u: ref.user, rating, ...(ref.rating ? { chosen: ref.rating } : {}) });
  if (look === 'native') {
    const buttons: ContextActionsBlock = {
      type: 'context_actions',
      block_id: CONTROLS_BLOCK,
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION,
          positive_button: { text: { type: 'plain_text', text: '👍' }, accessibility_label: 'This answer was helpful', value: value('like') },
          negative_button: { text: { type: 'plain_text', text: '👎' }, accessibility_label: 'This answer was not helpful', value: value('dislike') },
        },
      ],
    };
    if (!ref.rating) return [buttons];
    const said: ContextBlock = {
      type: 'context',
      block_id: RATING_BLOCK,
      elements: [
        {
          type: 'mrkdwn',
          text: ref.rating === 'like' ? '👍 Rated helpful (press 👍 again to take it back)' : '👎 Rated not helpful (press 👎 again to take it back)',
        },
      ],
    };
    return [buttons, said];
  }
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: CONTROLS_BLOCK,
    elements: [
      button(ref.rating === 'like' ? '👍 Helpful' : '👍', `${FEEDBACK_ACTION}_like`, undefined, ref.rating === 'like' ? 'primary' : undefined, value('like')),
      button(
        ref.rating === 'dislike' ? '👎 Not helpful' : '👎',
        `${FEEDBACK_ACTION}_dislike`,
        undefined,
        ref.rating === 'dislike' ? 'danger' : undefined,
        value('dislike'),
      ),
    ],
  };
  return [actions];
}

/** A paused run's forms: one row of buttons per form (Slack: at most 25 per row), and who may answer until when. */
export function formBlocks(forms: FormControl[]): KnownBlock[] {
  return forms.slice(0, 10).flatMap((form, i): KnownBlock[] => {
    const buttons = form.actions
      .slice(0, 25)
      .map((a, j) =>
        button(
          a.title.length > 75 ? `${a.title.slice(0, 74)}…` : a.title,
          `${FORM_ACTION}_${j}`,
          { r: form.runId, p: form.pause, f: form.index, a: a.id },
          a.style,
        ),
      );
    const about = [
      `Who can answer: ${form.approvers}`,
      ...(form.expiresAt !== undefined ? [`answer by ${slackDate(form.expiresAt, 'day-and-time')}`] : []),
    ].join(' · ');
    const context: ContextBlock = { type: 'context', block_id: `dify_form_about_${i}`, elements: [{ type: 'mrkdwn', text: about.slice(0, 3000) }] };
    if (buttons.length === 0) return [context];
    return [{ type: 'actions', block_id: `dify_form_${i}`, elements: buttons }, context];
  });
}

/** The buttons under an answer's last message: a form's while the run waits; Stop while it runs; feedback and follow-ups after. */
export function controlsBlocks(controls: AnswerControls, look: FeedbackLook = 'buttons'): KnownBlock[] {
  if (controls.forms && controls.forms.length > 0) return formBlocks(controls.forms);
  if (controls.stop) {
    return [
      { type: 'actions', block_id: CONTROLS_BLOCK, elements: [button('■ Stop', STOP_ACTION, { r: controls.stop.runId, a: controls.stop.askerId }, 'danger')] },
    ];
  }
  const blocks: KnownBlock[] = [];
  if (controls.suggestions && controls.suggestions.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: SUGGESTIONS_BLOCK,
      // Button text is capped at 75 characters; the value carries the whole question.
      elements: controls.suggestions
        .slice(0, 3)
        .map((q, i) => button(q.length > 75 ? `${q.slice(0, 74)}…` : q, `${SUGGEST_ACTION}_${i}`, { q: q.slice(0, 1900) })),
    });
  }
  if (controls.feedback) blocks.push(...feedbackBlocks(controls.feedback, look));
  return blocks;
}
