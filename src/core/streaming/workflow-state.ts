import type { DifyEvent } from '../../dify/events.js';
import { emptyTrack, reduceHumanInput, type HumanInputTrack } from './human-input-state.js';

/** A file a run produced (a workflow output, or a chat message_file). */
export interface RunFile {
  url: string;
  filename: string;
  mimeType?: string;
}

/** A workflow run as far as it has got, folded from its stream events. */
export interface WorkflowState {
  /** Nodes started so far (steps of the run; a re-attach's replay counts none twice). */
  steps: number;
  /** The node executions counted in `steps`. */
  stepIds: string[];
  /** Title of the node running now. */
  running?: string;
  /** Iteration or loop under way: its title and the round number. */
  round?: { kind: 'iteration' | 'loop'; title: string; index: number };
  /** text_chunk output streamed so far. */
  text: string;
  taskId?: string;
  runId?: string;
  /** The last node that failed, for the error message. */
  failedNode?: { title: string; error: string };
  finished?: {
    status: string;
    outputs: Record<string, unknown>;
    error?: string;
    elapsedSeconds?: number;
    totalTokens?: number;
    files: RunFile[];
  };
  /** Human Input forms, pauses and how each form ended. */
  hi: HumanInputTrack;
}

export const emptyWorkflow = (): WorkflowState => ({ steps: 0, stepIds: [], text: '', hi: emptyTrack() });

export function reduceWorkflow(state: WorkflowState, event: DifyEvent): WorkflowState {
  if (event.event === 'unknown') return state;
  const next: WorkflowState = { ...state };
  if (event.task_id) next.taskId ??= event.task_id;
  if (event.workflow_run_id) next.runId ??= event.workflow_run_id;
  next.hi = reduceHumanInput(state.hi, event, state.text.length);
  switch (event.event) {
    case 'node_started':
      if (!state.stepIds.includes(event.data.id)) {
        next.steps = state.steps + 1;
        next.stepIds = [...state.stepIds, event.data.id];
      }
      next.running = event.data.title || event.data.node_type;
      break;
    case 'node_finished':
      if (event.data.status === 'failed' || event.data.status === 'exception') {
        next.failedNode = { title: event.data.title || event.data.node_type, error: event.data.error || 'no error text' };
      }
      if (next.running === (event.data.title || event.data.node_type)) delete next.running;
      // Older Dify ends an iteration with its node's node_finished only.
      if ((event.data.node_type === 'iteration' || event.data.node_type === 'loop') && state.round?.title === (event.data.title || event.data.node_id))
        delete next.round;
      break;
    case 'iteration_started':
    case 'loop_started':
      next.round = { kind: event.event === 'iteration_started' ? 'iteration' : 'loop', title: event.data.title || event.data.node_id, index: 1 };
      break;
    case 'iteration_next':
    case 'loop_next':
      next.round = {
        kind: event.event === 'iteration_next' ? 'iteration' : 'loop',
        title: event.data.title || event.data.node_id,
        index: (event.data.index ?? state.round?.index ?? 0) + 1,
      };
      break;
    case 'iteration_completed':
    case 'loop_completed':
      delete next.round;
      break;
    case 'text_chunk':
      next.text = state.text + event.data.text;
      break;
    case 'text_replace':
      next.text = event.data.text;
      break;
    case 'workflow_finished': {
      const d = event.data;
      delete next.running;
      delete next.round;
      next.finished = {
        status: d.status,
        outputs: d.outputs ?? {},
        ...(d.error ? { error: d.error } : {}),
        ...(typeof d.elapsed_time === 'number' ? { elapsedSeconds: d.elapsed_time } : {}),
        ...(typeof d.total_tokens === 'number' ? { totalTokens: d.total_tokens } : {}),
        files: (d.files ?? []).flatMap((f) => toRunFile(f) ?? []),
      };
      break;
    }
    case 'workflow_paused':
      delete next.running;
      delete next.round;
      break;
    default:
      return next.hi !== state.hi || next.runId !== state.runId ? next : state;
  }
  return next;
}

/**
 * Dify file objects (`dify_model_identity: "__dify__file__"`) only: anything else shaped like
 * one ({url, filename} from an LLM or code node, or an echoed input) is shown as data, never fetched.
 */
export function toRunFile(value: unknown): RunFile | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const url = typeof v['url'] === 'string' ? v['url'] : undefined;
  if (v['dify_model_identity'] !== '__dify__file__' || !url) return undefined;
  const ext = typeof v['extension'] === 'string' ? v['extension'].replace(/^\.?/, '.') : '';
  const filename = typeof v['filename'] === 'string' && v['filename'] ? v['filename'] : `output${ext}`;
  return { url, filename, ...(typeof v['mime_type'] === 'string' ? { mimeType: v['mime_type'] } : {}) };
}
