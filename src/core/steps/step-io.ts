import type { StepOutputType } from '../../config/types.js';
import { isFileField, type FormField } from '../commands/input-form.js';
import type { WorkflowState } from '../streaming/workflow-state.js';

/** The step's inputs as Dify takes them; files (Slack file ids) still to be fetched; or what is wrong with them. */
export interface StepInputs {
  inputs: Record<string, unknown>;
  /** Slack file ids per file input, in order. */
  files: Record<string, string[]>;
  errors: string[];
}

/** What a step hands back to Workflow Builder: its outputs, or one line saying why it failed. */
export type StepResult = { outputs: Record<string, unknown> } | { error: string };

/** Every step's outputs besides the ones the configuration declares. */
export const STEP_TEXT_OUTPUT = 'text';
export const STEP_RUN_OUTPUT = 'run_id';

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * Checks the values Workflow Builder gave the step against the app's form, as Dify would
 * (required, length, choices, numbers), so a bad value fails the step with a line naming the
 * input rather than a Dify error about a variable.
 */
export function stepInputs(fields: FormField[], given: Record<string, unknown>): StepInputs {
  const inputs: Record<string, unknown> = {};
  const files: Record<string, string[]> = {};
  const errors: string[] = [];
  for (const field of fields) {
    const value = given[field.variable];
    if (!present(value)) {
      if (field.required) errors.push(`${field.label} is required`);
      continue;
    }
    if (isFileField(field)) {
      const ids = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
      if (ids.length) files[field.variable] = field.type === 'file' ? ids.slice(0, 1) : ids;
      continue;
    }
    switch (field.type) {
      case 'number': {
        const n = typeof value === 'number' ? value : Number(String(value).trim());
        if (!Number.isFinite(n)) errors.push(`${field.label} is not a number ("${String(value)}")`);
        else inputs[field.variable] = n;
        break;
      }
      case 'checkbox':
        inputs[field.variable] = value === true || value === 'true';
        break;
      case 'select': {
        const text = String(value);
        if (field.options && !field.options.includes(text)) errors.push(`${field.label} is "${text}", not one of ${field.options.join(', ')}`);
        else inputs[field.variable] = text;
        break;
      }
      case 'json_object': {
        try {
          const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
          inputs[field.variable] = parsed;
        } catch {
          errors.push(`${field.label} is not a JSON object`);
        }
        break;
      }
      default: {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        if (field.maxLength !== undefined && text.length > field.maxLength) errors.push(`${field.label} is longer than ${field.maxLength} characters`);
        else inputs[field.variable] = text;
      }
    }
  }
  return { inputs, files, errors };
}

/** A Markdown line as plain text (Workflow Builder shows a step's error as it is). */
export function plainLine(markdown: string): string {
  return markdown
    .replace(/^⚠️\s*/, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/^_\((.+)\)_$/, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The run's outputs as one text: the streamed text, else the one string output, else `name: value` lines. */
function outputText(state: WorkflowState, outputs: Record<string, unknown>): string {
  if (state.text.trim()) return state.text.trim();
  const entries = Object.entries(outputs);
  if (entries.length === 1 && typeof entries[0]![1] === 'string') return entries[0]![1];
  return entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
}

function typed(name: string, value: unknown, type: StepOutputType): { value: unknown } | { error: string } {
  switch (type) {
    case 'string':
      return { value: typeof value === 'string' ? value : JSON.stringify(value) };
    case 'boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      return { error: `the workflow's output ${name} is ${JSON.stringify(value)}, not true or false` };
    default: {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n)))
        return { error: `the workflow's output ${name} is ${JSON.stringify(value)}, not ${type === 'integer' ? 'an integer' : 'a number'}` };
      return { value: n };
    }
  }
}

/**
 * How a finished run ends its step: Dify's outputs with the declared types (a missing output is
 * left out; a mistyped one fails the step, which Slack would refuse anyway), or why it failed.
 */
export function stepResult(state: WorkflowState, failure: string | undefined, declared: Record<string, StepOutputType>): StepResult {
  const done = state.finished;
  if (failure !== undefined && !(done && (done.status === 'succeeded' || done.status === 'partial-succeeded'))) return { error: plainLine(failure) };
  if (!done) return { error: 'The Dify workflow ended without a result.' };
  if (done.status === 'stopped') return { error: 'The Dify workflow was stopped.' };
  if (done.status !== 'succeeded' && done.status !== 'partial-succeeded') {
    const where = state.failedNode ? ` at "${state.failedNode.title}"` : '';
    const why = done.error ?? state.failedNode?.error;
    return { error: plainLine(`The Dify workflow ${done.status}${where}${why ? `: ${why}` : ''}`).slice(0, 500) };
  }
  const outputs: Record<string, unknown> = { [STEP_TEXT_OUTPUT]: outputText(state, done.outputs) };
  if (state.runId) outputs[STEP_RUN_OUTPUT] = state.runId;
  for (const [name, type] of Object.entries(declared)) {
    const value = done.outputs[name];
    if (value === undefined || value === null) continue;
    const t = typed(name, value, type);
    if ('error' in t) return { error: `The step cannot hand on its outputs: ${t.error}.` };
    outputs[name] = t.value;
  }
  return { outputs };
}
