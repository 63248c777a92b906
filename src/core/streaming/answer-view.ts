import { healMarkdown } from '../../markdown/heal.js';
import type { AnswerState } from './answer-state.js';
import { pauseMarkdown, withNotes } from './human-input-state.js';

export interface ViewExtras {
  /** One line shown above the answer (a new conversation was started, say). */
  notice?: string;
  /** One line shown below whatever text arrived (an error). */
  failure?: string;
}

const THINKING = '_Thinking…_';

/** The Markdown shown for an answer: intermediate views are healed, the final one is exact. */
export function renderAnswer(state: AnswerState, final: boolean, extras: ViewExtras = {}): string {
  const parts: string[] = [];
  if (extras.notice) parts.push(`_${extras.notice}_`);
  const paused = state.hi.paused;
  // Even a final text is healed when it ends early (an error mid code block, or a pause, must not swallow what follows).
  const exact = final && !extras.failure && !paused;
  const text = state.text ? (exact ? state.text : healMarkdown(state.text, { keepOpenLink: final })) : '';
  const body = withNotes(text, state.hi.notes);
  if (body.trim()) parts.push(body);
  if (!final && state.status) parts.push(`_${state.status}_`);
  if (paused) parts.push(pauseMarkdown(state.hi));
  if (extras.failure) parts.push(extras.failure);
  if (final && !paused) {
    if (!body.trim() && !extras.failure) parts.push('_(Dify returned an empty answer)_');
    if (state.sources.length) parts.push(`_Sources: ${state.sources.join(' · ')}_`);
  } else if (!final && !body.trim() && !state.status && !paused) {
    parts.push(THINKING);
  }
  return parts.join('\n\n');
}
