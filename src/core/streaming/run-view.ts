import { healMarkdown } from '../../markdown/heal.js';
import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import { toRunFile, type RunFile, type WorkflowState } from './workflow-state.js';
import { STOPPED_LINE } from './failure-text.js';
import { pauseMarkdown, withNotes } from './human-input-state.js';

/** The first line of a command's message: which app, for whom, with what. */
export interface RunHeader {
  app: string;
  userId: string;
  /** A short summary of the inputs, shown in the header. */
  summary?: string;
  /** Shown under the final result (how to go on in the thread). */
  hint?: string;
}

export function renderHeader(h: RunHeader): string {
  // The summary is what the person typed: content, never markup.
  const typed = h.summary ? neutralizeSlackMarkup(h.summary) : '';
  const summary = typed ? ` · ${typed.length > 120 ? typed.slice(0, 120) + '…' : typed}` : '';
  return `**${h.app}**${h.userId ? ` · for <@${h.userId}>` : ''}${summary.replace(/\n/g, ' ')}`;
}

/** Outputs → Markdown (and the files among them, to upload). */
export function renderOutputs(outputs: Record<string, unknown>): { markdown: string; files: RunFile[] } {
  const files: RunFile[] = [];
  const values: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(outputs)) {
    const one = toRunFile(value);
    const many = Array.isArray(value) && value.length > 0 ? value.map(toRunFile) : [];
    if (one) files.push(one);
    else if (many.length > 0 && many.every((f): f is RunFile => f !== undefined)) files.push(...many);
    else values.push([key, value]);
  }
  const block = (v: unknown) => neutralizeSlackMarkup(typeof v === 'string' ? v : '```json\n' + JSON.stringify(v, null, 2) + '\n```');
  let markdown: string;
  if (values.length === 0) markdown = files.length ? '' : '_(The workflow returned no output.)_';
  else if (values.length === 1) markdown = block(values[0]![1]);
  else markdown = values.map(([k, v]) => `**${k}**\n${block(v)}`).join('\n\n');
  return { markdown, files };
}

function footer(state: WorkflowState, hint?: string): string {
  const parts: string[] = [];
  const f = state.finished;
  if (f?.elapsedSeconds !== undefined) parts.push(`⏱ ${f.elapsedSeconds < 10 ? f.elapsedSeconds.toFixed(1) : Math.round(f.elapsedSeconds)} s`);
  if (f?.totalTokens !== undefined && f.totalTokens > 0) parts.push(`${f.totalTokens.toLocaleString('en-US')} tokens`);
  if (state.steps) parts.push(`${state.steps} step${state.steps === 1 ? '' : 's'}`);
  if (hint) parts.push(hint);
  return parts.length ? `_${parts.join(' · ')}_` : '';
}

/** The message of a workflow run: live progress while it runs, then outputs or a clear error. */
export function renderWorkflow(state: WorkflowState, final: boolean, header: RunHeader, failure?: string): string {
  const parts = [renderHeader(header)];
  const f = state.finished;
  const notes = state.hi.notes;
  if (state.hi.paused && !f) {
    const text = withNotes(state.text ? healMarkdown(neutralizeSlackMarkup(state.text), { keepOpenLink: true }) : '', notes);
    if (text) parts.push(text);
    parts.push(pauseMarkdown(state.hi));
    if (failure) parts.push(failure);
    return parts.join('\n\n');
  }
  if (!final || !f) {
    if (!final) {
      const round = state.round ? ` · ${state.round.kind} ${state.round.index}` : '';
      const title = state.running ?? state.round?.title;
      const at = title ? neutralizeSlackMarkup(title) : undefined;
      parts.push(`⏳ ${header.app} · step ${Math.max(state.steps, 1)}${at ? ` · ${at}` : ''}${round}`);
    }
    const content = neutralizeSlackMarkup(state.text);
    const text = withNotes(content ? (final ? healMarkdown(content, { keepOpenLink: true }) : healMarkdown(content)) : '', notes);
    if (text) parts.push(text);
    if (final) parts.push(failure ?? '⚠️ The workflow ended without a result.');
    return parts.join('\n\n');
  }
  // How each form was answered stays above the result.
  const answered = withNotes('', notes);
  if (answered) parts.push(answered);
  if (f.status === 'succeeded' || f.status === 'partial-succeeded') {
    const { markdown } = renderOutputs(f.outputs);
    const body = markdown || neutralizeSlackMarkup(state.text) || (f.files.length ? '' : '_(The workflow returned no output.)_');
    if (body) parts.push(body);
    if (f.status === 'partial-succeeded') parts.push('_Some steps failed; the workflow continued with their fallback values._');
  } else if (f.status === 'stopped') {
    if (state.text) parts.push(healMarkdown(neutralizeSlackMarkup(state.text), { keepOpenLink: true }));
    parts.push(STOPPED_LINE);
  } else if (f.status === 'paused') {
    parts.push('⏸ The workflow is waiting for human input in Dify; its result will not appear here.');
  } else {
    if (state.text) parts.push(healMarkdown(neutralizeSlackMarkup(state.text), { keepOpenLink: true }));
    const node = state.failedNode;
    const error = neutralizeSlackMarkup(f.error || node?.error || 'no error text');
    parts.push(node ? `⚠️ The workflow failed at **${neutralizeSlackMarkup(node.title)}**: ${error}` : `⚠️ The workflow failed: ${error}`);
  }
  if (failure) parts.push(failure);
  const foot = footer(state, header.hint);
  if (foot) parts.push(foot);
  return parts.join('\n\n');
}

/** Files a finished run produced: workflow_finished.files plus file outputs, each once. */
export function runFiles(state: WorkflowState): RunFile[] {
  const f = state.finished;
  if (!f || (f.status !== 'succeeded' && f.status !== 'partial-succeeded')) return [];
  const all = [...f.files, ...renderOutputs(f.outputs).files];
  const seen = new Set<string>();
  return all.filter((file) => {
    if (seen.has(file.url)) return false;
    seen.add(file.url);
    return true;
  });
}
