import { healMarkdown } from '../../markdown/heal.js';
import type { AnswerState } from './answer-state.js';

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
  // Even a final text is healed when it ends early (an error mid code block must not swallow the error line).
  const body = final && !extras.failure ? state.text : state.text ? healMarkdown(state.text, { keepOpenLink: final }) : '';
  if (body.trim()) parts.push(body);
  if (!final && state.status) parts.push(`_${state.status}_`);
  if (extras.failure) parts.push(extras.failure);
  if (final) {
    if (!body.trim() && !extras.failure) parts.push('_(Dify returned an empty answer)_');
    if (state.sources.length) parts.push(`_Sources: ${state.sources.join(' · ')}_`);
  } else if (!body.trim() && !state.status) {
    parts.push(THINKING);
  }
  return parts.join('\n\n');
}
