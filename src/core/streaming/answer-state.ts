import type { DifyEvent } from '../../dify/events.js';
import type { LiveTask, SourceRef } from '../ports.js';
import { addChunk, splitWhole } from './reasoning.js';
import type { RunFile } from './workflow-state.js';
import { emptyTrack, reduceHumanInput, type HumanInputTrack } from './human-input-state.js';

/** "…/files/tools/abc.png?timestamp=…" → "abc.png"; else "image-<id>". */
function fileNameOf(url: string, type: string, id: string): string {
  const last = /\/([^/?#]+\.[A-Za-z0-9]{1,8})(?:[?#]|$)/.exec(url)?.[1];
  return last ? decodeURIComponent(last) : `${type}-${id.slice(0, 8)}`;
}

export type { SourceRef };

const httpUrl = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\//.test(v) ? v : undefined);

/** retriever_resources → sources: one per document (the best score kept). */
function sourcesOf(resources: ReadonlyArray<Record<string, unknown>>): SourceRef[] {
  const out = new Map<string, SourceRef>();
  for (const r of resources) {
    const doc = typeof r['document_name'] === 'string' ? r['document_name'] : '';
    const dataset = typeof r['dataset_name'] === 'string' ? r['dataset_name'] : '';
    const title = doc || dataset;
    if (!title) continue;
    const meta = (r['doc_metadata'] ?? {}) as Record<string, unknown>;
    const url = httpUrl(r['url']) ?? httpUrl(meta['url']) ?? httpUrl(meta['source_url']);
    const score = typeof r['score'] === 'number' ? r['score'] : undefined;
    const key = (typeof r['document_id'] === 'string' && r['document_id']) || `${dataset}/${title}`;
    const seen = out.get(key);
    if (seen) {
      if (score !== undefined && (seen.score === undefined || score > seen.score)) seen.score = score;
      if (!seen.url && url) seen.url = url;
      continue;
    }
    out.set(key, { title, ...(doc && dataset ? { dataset } : {}), ...(url ? { url } : {}), ...(score !== undefined ? { score } : {}) });
  }
  return [...out.values()];
}

/** What a chat answer looks like so far, folded from Dify's stream events. */
export interface AnswerState {
  text: string;
  /** A short line while a tool or workflow node runs ("Using current_time…"). */
  status?: string;
  /** Knowledge the answer drew on (retriever_resources), duplicates merged, in Dify's order. */
  sources: SourceRef[];
  /** Files the answer produced (message_file), uploaded into the thread when it is final. */
  files: RunFile[];
  /** Tool calls and chatflow nodes so far, in the order they started. */
  tasks: LiveTask[];
  /** The model's reasoning (reasoning_chunk, or a leading <think> in the text): never part of `text`. */
  reasoning: string;
  /** The reasoning is complete (its end tag, is_final, or the answer began). */
  reasoningDone?: boolean;
  /** Inside a leading <think>, and the start of a tag a chunk cut (see reasoning.ts). */
  thinkOpen?: boolean;
  thinkHeld?: string;
  /** The LLM node whose reasoning_chunk came last. */
  reasoningNode?: string;
  conversationId?: string;
  messageId?: string;
  taskId?: string;
  /** Agent deltas arrived: a later plain `message` is the New-Agent closing full answer. */
  sawAgentDelta: boolean;
  /** Chatflows: the workflow run, its Human Input forms and pauses. */
  hi: HumanInputTrack;
  /** The text's length when the run last resumed after a pause or re-attach (for Dify's lost-answer bug). */
  resumedAt?: number;
  /** A chatflow's workflow_finished arrived (a re-attached stream ends with it, not message_end). */
  workflowDone?: boolean;
}

export const emptyAnswer = (): AnswerState => ({ text: '', sources: [], files: [], tasks: [], reasoning: '', sawAgentDelta: false, hi: emptyTrack() });

/** Answer text in: reasoning split off (a whole text replaces, a chunk appends). */
function withText(state: AnswerState, next: AnswerState, text: string, whole: boolean): void {
  const split = whole
    ? splitWhole(text)
    : addChunk({ text: state.text, reasoning: state.reasoning, open: state.thinkOpen === true, held: state.thinkHeld ?? '' }, text);
  next.text = split.text;
  if (whole && !split.reasoning) {
    next.reasoning = state.reasoning;
  } else next.reasoning = split.reasoning;
  if (split.open) next.thinkOpen = true;
  else delete next.thinkOpen;
  if (split.held) next.thinkHeld = split.held;
  else delete next.thinkHeld;
  if (next.reasoning && (split.text.length > 0 || !split.open)) next.reasoningDone = true;
}

/** A tool's input or observation, as Dify gives it (JSON keyed by tool name, usually), made short. */
export function shortToolText(raw: string | null | undefined, tool: string, max: number, lines = 1): string | undefined {
  if (!raw?.trim()) return undefined;
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Plain text.
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && tool in value) value = (value as Record<string, unknown>)[tool];
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value && typeof value === 'object' && !Array.isArray(value))
    text = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  else text = JSON.stringify(value);
  const kept = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, lines)
    .join('\n');
  return kept.length > max ? `${kept.slice(0, max - 1)}…` : kept || undefined;
}

/**
 * After a resume, Dify may stream no Answer text although the run's outputs hold it
 * (langgenius/dify#38432): the outputs' answer fills in what did not arrive.
 */
export function withOutputAnswer(state: AnswerState, outputs: Record<string, unknown> | null | undefined): AnswerState {
  const raw = outputs?.['answer'];
  if (typeof raw !== 'string' || !raw) return state;
  const answer = splitWhole(raw).text;
  if (state.resumedAt === undefined || state.text.length > state.resumedAt) return state;
  const before = state.text;
  // Dify's answer output is the whole answer: only what is not shown yet is added.
  const rest = answer.startsWith(before) ? answer.slice(before.length) : before.endsWith(answer) ? '' : answer;
  return rest ? { ...state, text: before + (before && !rest.startsWith('\n') ? '\n\n' : '') + rest } : state;
}

/** Workflow nodes worth naming while they run (Chatflows); start/end/answer nodes are instant. */
const NOTABLE_NODES = new Set([
  'llm',
  'tool',
  'agent',
  'knowledge-retrieval',
  'http-request',
  'code',
  'question-classifier',
  'parameter-extractor',
  'iteration',
  'loop',
]);

function toolNames(tool: string): string {
  return tool
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean)
    .join(', ');
}

function upsertTask(tasks: LiveTask[], task: LiveTask): LiveTask[] {
  const i = tasks.findIndex((t) => t.id === task.id);
  return i === -1 ? [...tasks, task] : tasks.map((t, j) => (j === i ? task : t));
}

export function reduceAnswer(state: AnswerState, event: DifyEvent): AnswerState {
  if (event.event === 'unknown') return state;
  const next: AnswerState = { ...state };
  next.hi = reduceHumanInput(state.hi, event, state.text.length);
  if (event.conversation_id) next.conversationId = event.conversation_id;
  if (event.message_id) next.messageId = event.message_id;
  if (event.task_id) next.taskId ??= event.task_id;

  switch (event.event) {
    case 'message':
      withText(state, next, event.answer, state.sawAgentDelta);
      if (event.answer) delete next.status;
      break;
    case 'agent_message':
      withText(state, next, event.answer, false);
      next.sawAgentDelta = true;
      if (event.answer) delete next.status;
      break;
    case 'message_replace':
      withText(state, next, event.answer, true);
      break;
    case 'reasoning_chunk': {
      const piece = typeof event.data['reasoning'] === 'string' ? event.data['reasoning'] : '';
      // Several LLM nodes reason in turn: a blank line between their parts.
      const node = typeof event.data['node_id'] === 'string' ? event.data['node_id'] : '';
      const sep = piece && state.reasoning && node && node !== state.reasoningNode && !state.reasoning.endsWith('\n') ? '\n\n' : '';
      next.reasoning = state.reasoning + sep + piece;
      if (node) next.reasoningNode = node;
      if (event.data['is_final'] === true) next.reasoningDone = true;
      else delete next.reasoningDone;
      break;
    }
    case 'agent_thought': {
      const tool = toolNames(event.tool ?? '');
      if (tool && !event.observation) next.status = `Using ${tool}…`;
      else delete next.status;
      if (tool) {
        const first = (event.tool ?? '').split(';')[0]!.trim();
        const details = shortToolText(event.tool_input, first, 200);
        const output = shortToolText(event.observation, first, 300, 3);
        next.tasks = upsertTask(state.tasks, {
          id: event.id,
          title: tool,
          kind: 'tool',
          status: event.observation ? 'complete' : 'in_progress',
          ...(details ? { details } : {}),
          ...(output ? { output } : {}),
        });
      }
      break;
    }
    case 'node_started':
      if (NOTABLE_NODES.has(event.data.node_type)) {
        const title = event.data.title || event.data.node_type;
        next.status = `Running ${title}…`;
        next.tasks = upsertTask(state.tasks, {
          id: event.data.id,
          title,
          status: 'in_progress',
          ...(event.data.node_type === 'tool' ? { kind: 'tool' as const } : {}),
        });
      }
      break;
    case 'node_finished':
      delete next.status;
      if (state.tasks.some((t) => t.id === event.data.id)) {
        next.tasks = upsertTask(state.tasks, {
          id: event.data.id,
          title: event.data.title || event.data.node_type,
          status: event.data.status === 'succeeded' ? 'complete' : 'error',
          ...(event.data.node_type === 'tool' ? { kind: 'tool' as const } : {}),
        });
      }
      break;
    case 'message_file':
      next.files = [...state.files, { url: event.url, filename: fileNameOf(event.url, event.type ?? 'file', event.id) }];
      break;
    case 'workflow_finished':
      delete next.status;
      next.workflowDone = true;
      return withOutputAnswer(next, event.data.outputs);
    case 'message_end': {
      delete next.status;
      next.sources = sourcesOf(event.metadata?.retriever_resources ?? []);
      if (event.id) next.messageId = event.id;
      break;
    }
    default:
      break;
  }
  return next;
}
