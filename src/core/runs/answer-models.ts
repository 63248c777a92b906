import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import { chartsPending } from '../../markdown/charts.js';
import type { WorkflowRun } from '../../dify/human-input.js';
import { emptyAnswer, reduceAnswer, type AnswerState } from '../streaming/answer-state.js';
import { answerFooter, renderAnswer, type ViewExtras } from '../streaming/answer-view.js';
import { resumeTrack } from '../streaming/human-input-state.js';
import { splitWhole } from '../streaming/reasoning.js';
import { renderWorkflow, type RunHeader } from '../streaming/run-view.js';
import { emptyWorkflow, reduceWorkflow, type WorkflowState } from '../streaming/workflow-state.js';
import type { AnswerModel } from './pipeline.js';

/** Dify's run record keeps outputs as an object, or (some builds) as JSON text. */
function outputsOf(run: WorkflowRun): Record<string, unknown> {
  if (typeof run.outputs === 'string') {
    try {
      const parsed: unknown = JSON.parse(run.outputs);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return run.outputs ?? {};
}

/**
 * What a native stream may append: the neutralised text, held back at a `<` not closed yet (what
 * follows could make it a mention, and appended text cannot be taken back).
 */
function liveText(text: string): string {
  const open = text.lastIndexOf('<');
  // Only what can still become a control sequence (`<!`, `<@`, `<#`, `<https:`) is held back.
  const pending = open >= 0 && !text.includes('>', open) && /^(?:[!@#]|[a-z]+:|[a-z]*$)/i.test(text.slice(open + 1));
  const held = pending ? text.slice(0, open) : text;
  return chartsPending(neutralizeSlackMarkup(held));
}

const ENDED = new Set(['succeeded', 'failed', 'stopped', 'partial-succeeded']);

/** A chat answer (chat, agent, chatflow): text, status, tool steps; a chatflow can pause and be re-attached. */
export function chatModel(extras: ViewExtras): AnswerModel<AnswerState> {
  return {
    initial: emptyAnswer(),
    reduce: reduceAnswer,
    render: (state, final, failure) => renderAnswer(state, final, { ...extras, ...(failure ? { failure } : {}) }),
    hasContent: (state) => state.text.length > 0 || !!state.status || state.hi.paused || state.reasoning.length > 0,
    live: (state) => ({
      text: liveText(state.text),
      ...(state.status ? { status: state.status } : {}),
      ...(state.tasks.length ? { tasks: state.tasks } : {}),
      ...(state.reasoning ? { reasoning: { text: state.reasoning, done: state.reasoningDone === true } } : {}),
    }),
    footer: (state) => answerFooter(state, extras),
    track: (state) => state.hi,
    resume: (state, note) => ({ ...state, hi: resumeTrack(state.hi, note, state.text.length), resumedAt: state.text.length }),
    confirm: (state, run) => {
      if (!ENDED.has(run.status)) return { state };
      const raw = outputsOf(run)['answer'];
      // The record's answer is the model's whole output: a leading <think> is reasoning, not answer.
      const answer = typeof raw === 'string' ? splitWhole(raw).text : raw;
      // Dify's record holds the whole answer: what the stream missed is added (a gap while re-attaching);
      // a text that does not continue what was shown replaces it (a restart showed an older part).
      const text =
        typeof answer !== 'string' || !answer || answer === state.text || state.text.startsWith(answer)
          ? state.text
          : answer.startsWith(state.text)
            ? state.text + answer.slice(state.text.length)
            : answer.length > state.text.length
              ? answer
              : state.text;
      const next = { ...state, text, workflowDone: true };
      return run.status === 'failed' ? { state: next, failure: `⚠️ The workflow failed: ${run.error || 'no error text'}` } : { state: next };
    },
  };
}

/** A workflow run from a command or form: progress while it runs, then its outputs. */
export function workflowModel(header: RunHeader): AnswerModel<WorkflowState> {
  return {
    initial: emptyWorkflow(),
    reduce: reduceWorkflow,
    render: (state, final, failure) => renderWorkflow(state, final, header, failure),
    hasContent: () => true,
    track: (state) => state.hi,
    resume: (state, note) => ({ ...state, hi: resumeTrack(state.hi, note, state.text.length) }),
    confirm: (state, run) => {
      if (!ENDED.has(run.status)) return { state };
      const outputs = outputsOf(run);
      return {
        state: {
          ...state,
          finished: {
            status: run.status,
            outputs,
            ...(run.error ? { error: run.error } : {}),
            ...(typeof run.elapsed_time === 'number' ? { elapsedSeconds: run.elapsed_time } : {}),
            ...(typeof run.total_tokens === 'number' ? { totalTokens: run.total_tokens } : {}),
            // File outputs are among `outputs` (runFiles finds them there).
            files: state.finished?.files ?? [],
          },
        },
      };
    },
  };
}
