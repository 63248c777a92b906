import { healMarkdown } from '../../markdown/heal.js';
import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import type { AnswerState } from './answer-state.js';
import type { AnswerFooter } from '../ports.js';
import { pauseMarkdown, withNotes } from './human-input-state.js';

export interface ViewExtras {
  /** One line shown above the answer (a new conversation was started, say). */
  notice?: string;
  /** What the person's voice clip said, quoted above the answer. */
  heard?: string;
  /** One line shown below whatever text arrived (an error). */
  failure?: string;
  /** The app shows citations with their retrieval scores (Dify's retriever_resource setting). */
  showScores?: boolean;
  /** The model's reasoning as a quote above the answer (BRIDGE_CONFIG showReasoning). */
  showReasoning?: boolean;
  /** Dify's WebApp disclaimer, under final answers. */
  disclaimer?: string;
}

/** At most this much reasoning is quoted above an answer (its end while it streams, its start when final). */
const REASONING_QUOTE = 2_500;

/** The reasoning as a Markdown quote, "Thinking" first. */
export function reasoningQuote(reasoning: string, final: boolean): string {
  const text = neutralizeSlackMarkup(reasoning.trim());
  const kept = text.length <= REASONING_QUOTE ? text : final ? `${text.slice(0, REASONING_QUOTE)}…` : `…${text.slice(-REASONING_QUOTE)}`;
  const lines = kept.split('\n').map((l) => `> ${l}`.trimEnd());
  return `> _Thinking_\n${lines.join('\n')}`;
}

/** The small print under a final answer, or undefined when there is none. */
export function answerFooter(state: AnswerState, extras: ViewExtras = {}): AnswerFooter | undefined {
  const tools = [...new Set(state.tasks.filter((t) => t.kind === 'tool').flatMap((t) => t.title.split(', ')))];
  const footer: AnswerFooter = {
    ...(state.sources.length ? { sources: state.sources } : {}),
    ...(state.sources.length && extras.showScores ? { showScores: true } : {}),
    ...(tools.length ? { toolsUsed: tools } : {}),
    ...(extras.disclaimer ? { disclaimer: extras.disclaimer } : {}),
  };
  return Object.keys(footer).length ? footer : undefined;
}

const THINKING = '_Thinking…_';

/**
 * The Markdown shown for an answer: intermediate views are healed, the final one is exact.
 * Sources, tools used and the disclaimer are not in it: they go under it (answerFooter).
 */
export function renderAnswer(state: AnswerState, final: boolean, extras: ViewExtras = {}): string {
  const parts: string[] = [];
  if (extras.notice) parts.push(`_${extras.notice}_`);
  if (extras.heard) parts.push(`> 🎙 ${neutralizeSlackMarkup(extras.heard.slice(0, 2000)).split('\n').join('\n> ')}`);
  const paused = state.hi.paused;
  // Even a final text is healed when it ends early (an error mid code block, or a pause, must not swallow what follows).
  const exact = final && !extras.failure && !paused;
  // Dify's text is content: its Slack markup (<!channel>, <@U…>, disguised links) is neutralised.
  const content = neutralizeSlackMarkup(state.text);
  const text = content ? (exact ? content : healMarkdown(content, { keepOpenLink: final })) : '';
  const body = withNotes(text, state.hi.notes);
  if (extras.showReasoning && state.reasoning.trim()) parts.push(reasoningQuote(state.reasoning, final));
  if (body.trim()) parts.push(body);
  if (!final && state.status) parts.push(`_${neutralizeSlackMarkup(state.status)}_`);
  if (paused) parts.push(pauseMarkdown(state.hi));
  if (extras.failure) parts.push(extras.failure);
  if (final && !paused) {
    if (!body.trim() && !extras.failure) parts.push('_(Dify returned an empty answer)_');
  } else if (!final && !body.trim() && !state.status && !paused) {
    parts.push(THINKING);
  }
  return parts.join('\n\n');
}
