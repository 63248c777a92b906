import { healMarkdown } from '../../markdown/heal.js';
import type { AnswerState, SourceRef } from './answer-state.js';
import { pauseMarkdown, withNotes } from './human-input-state.js';

export interface ViewExtras {
  /** One line shown above the answer (a new conversation was started, say). */
  notice?: string;
  /** One line shown below whatever text arrived (an error). */
  failure?: string;
  /** The app shows citations with their retrieval scores (Dify's retriever_resource setting). */
  showScores?: boolean;
}

/** "1. [Doc](url) (Dataset) · 2. Other doc 87%": numbered, linked where Dify gives a link. */
export function sourcesLine(sources: SourceRef[], showScores: boolean): string {
  const items = sources.slice(0, 10).map((s, i) => {
    const name = s.url ? `[${s.title.replace(/[[\]]/g, '')}](${s.url})` : s.title;
    const dataset = s.dataset ? ` (${s.dataset})` : '';
    const score = showScores && s.score !== undefined ? ` ${Math.round(s.score * 100)}%` : '';
    return `${i + 1}. ${name}${dataset}${score}`;
  });
  return `_Sources: ${items.join(' · ')}${sources.length > 10 ? ` · and ${sources.length - 10} more` : ''}_`;
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
    if (state.sources.length) parts.push(sourcesLine(state.sources, extras.showScores === true));
  } else if (!final && !body.trim() && !state.status && !paused) {
    parts.push(THINKING);
  }
  return parts.join('\n\n');
}
