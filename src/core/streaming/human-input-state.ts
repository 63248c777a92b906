import { neutralizeSlackMarkup } from '../../markdown/neutralize.js';
import type { DifyEvent } from '../../dify/events.js';
import type { FormInput, HumanInputRequired, UserAction } from '../../dify/human-input.js';

/** One input of a Human Input form, as the bridge shows it (Dify's shapes, normalised). */
export interface PauseField {
  name: string;
  type: 'paragraph' | 'text' | 'select' | 'file' | 'file-list';
  options?: string[];
  /** Dify's file categories (image, document, audio, video, custom). */
  fileTypes?: string[];
  maxFiles?: number;
}

export interface PauseAction {
  id: string;
  title: string;
  style?: 'primary' | 'danger';
}

/** A form a paused run waits on. Without `token` it cannot be answered from Slack (delivered by email, or Dify sent no form). */
export interface PendingForm {
  token?: string;
  nodeId?: string;
  node: string;
  content: string;
  fields: PauseField[];
  actions: PauseAction[];
  /** Pre-filled values, by field name. */
  defaults: Record<string, string>;
  /** Unix seconds. */
  expiresAt?: number;
}

/** Where a run stands with Human Input: its workflow run, the forms of the current pause, lines about answered ones. */
export interface HumanInputTrack {
  runId?: string;
  /** Forms asked for in the current pause (cleared when the run resumes). */
  forms: PendingForm[];
  paused: boolean;
  /** Lines shown at their place in the answer ("✅ Approve — chosen by …"), `at` = the text length then. */
  notes: Array<{ at: number; text: string; node?: string }>;
  /** How many times the run has paused (names each pause's buttons, so an old button cannot answer a newer form). */
  pauses: number;
}

export const emptyTrack = (): HumanInputTrack => ({ forms: [], paused: false, notes: [], pauses: 0 });

export const TIMEOUT_LINE = '⏱ No answer before the deadline — the workflow continued with its timeout branch.';

/** Dify's input types (paragraph, select, file, file-list; text_input before graphon #55) → the bridge's. */
function toField(input: FormInput): PauseField | undefined {
  const name = input.output_variable_name;
  switch (input.type) {
    case 'paragraph':
      return { name, type: 'paragraph' };
    case 'text_input':
    case 'text-input':
      return { name, type: 'text' };
    case 'select': {
      const value = input.option_source?.value;
      const options = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
      return { name, type: 'select', options };
    }
    case 'file':
    case 'file-list':
      return {
        name,
        type: input.type,
        ...(input.allowed_file_types && input.allowed_file_types.length > 0 ? { fileTypes: input.allowed_file_types } : {}),
        ...(input.type === 'file-list' && typeof input.number_limits === 'number' && input.number_limits > 0 ? { maxFiles: input.number_limits } : {}),
      };
    default:
      // An unknown type still needs a value (Dify wants every input as a key): a line of text.
      return { name, type: 'text' };
  }
}

const STYLES: Record<string, PauseAction['style']> = { primary: 'primary', accent: 'primary', danger: 'danger', destructive: 'danger' };

function toAction(a: UserAction): PauseAction {
  const style = STYLES[a.button_style ?? ''];
  return { id: a.id, title: a.title, ...(style ? { style } : {}) };
}

/** A form from `human_input_required` data or a `workflow_paused` reason (the same fields; `actions` or `user_actions`). */
export function toPendingForm(data: HumanInputRequired & { user_actions?: UserAction[] | null }): PendingForm {
  return {
    ...(data.form_token ? { token: data.form_token } : {}),
    ...(data.node_id ? { nodeId: data.node_id } : {}),
    node: data.node_title || 'Human Input',
    content: data.form_content ?? '',
    fields: (data.inputs ?? []).flatMap((i) => toField(i) ?? []),
    actions: (data.actions ?? data.user_actions ?? []).map(toAction),
    defaults: data.resolved_default_values ?? {},
    ...(typeof data.expiration_time === 'number' ? { expiresAt: data.expiration_time } : {}),
  };
}

function hasForm(data: HumanInputRequired): boolean {
  return Boolean(data.form_token || data.form_content || data.node_id);
}

function readReason(reason: Record<string, unknown>): PendingForm | undefined {
  if (reason['TYPE'] !== undefined && reason['TYPE'] !== 'human_input_required') return undefined;
  const pick = <T>(k: string, ok: (v: unknown) => v is T): T | undefined => (ok(reason[k]) ? reason[k] : undefined);
  const isStr = (v: unknown): v is string => typeof v === 'string';
  const isArr = (v: unknown): v is unknown[] => Array.isArray(v);
  const data: HumanInputRequired = {
    form_token: pick('form_token', isStr) ?? null,
    node_id: pick('node_id', isStr) ?? null,
    node_title: pick('node_title', isStr) ?? null,
    form_content: pick('form_content', isStr) ?? null,
    inputs: (pick('inputs', isArr) ?? []).filter(
      (i): i is FormInput => !!i && typeof i === 'object' && typeof (i as FormInput).output_variable_name === 'string',
    ),
    actions: (pick('actions', isArr) ?? pick('user_actions', isArr) ?? []).filter(
      (a): a is UserAction => !!a && typeof a === 'object' && typeof (a as UserAction).id === 'string' && typeof (a as UserAction).title === 'string',
    ),
    resolved_default_values: (reason['resolved_default_values'] as Record<string, string> | undefined) ?? null,
    expiration_time: typeof reason['expiration_time'] === 'number' ? reason['expiration_time'] : null,
  };
  return hasForm(data) ? toPendingForm(data) : undefined;
}

/** A form Dify said something about (not the empty placeholder of langgenius/dify#35504). */
const isDescribed = (f: PendingForm) => f.token !== undefined || f.nodeId !== undefined || f.content !== '';

const sameForm = (a: PendingForm, b: PendingForm) => (a.token && a.token === b.token) || (a.nodeId !== undefined && a.nodeId === b.nodeId);

/**
 * Folds the Human Input side of a workflow-backed run: forms asked for, the pause, the resume
 * and how each form ended. `textLength` is the answer's text length now (where a note goes).
 */
export function reduceHumanInput(track: HumanInputTrack, event: DifyEvent, textLength: number): HumanInputTrack {
  if (event.event === 'unknown') return track;
  // Text chunks, the bulk of every stream, change nothing here once the run's id is known.
  if ((event.event === 'message' || event.event === 'agent_message' || event.event === 'text_chunk') && (track.runId || !event.workflow_run_id)) return track;
  let next = track;
  const edit = () => (next === track ? (next = { ...track }) : next);
  if (event.workflow_run_id && !track.runId) edit().runId = event.workflow_run_id;
  switch (event.event) {
    case 'workflow_started':
      if (event.data.id && !next.runId) edit().runId = event.data.id;
      break;
    case 'human_input_required': {
      // Empty data (langgenius/dify#35504) still means a form: workflow_paused's reasons may say which.
      const form = hasForm(event.data) ? toPendingForm(event.data) : { node: 'Human Input', content: '', fields: [], actions: [], defaults: {} };
      const forms = next.forms.filter((f) => !sameForm(f, form) && isDescribed(f));
      edit().forms = [...forms, form];
      break;
    }
    case 'workflow_paused': {
      const n = edit();
      n.paused = true;
      n.pauses = track.pauses + 1;
      if (event.data.workflow_run_id && !n.runId) n.runId = event.data.workflow_run_id;
      const fromReasons = (event.data.reasons ?? []).flatMap((r) => readReason(r) ?? []);
      // A reason fills in a form the event left empty, and adds any the stream did not announce.
      let forms = n.forms.filter(isDescribed);
      for (const r of fromReasons) {
        const i = forms.findIndex((f) => sameForm(f, r));
        forms = i === -1 ? [...forms, r] : forms.map((f, j) => (j === i ? { ...r, ...stripEmpty(f) } : f));
      }
      if (forms.length === 0 && track.forms.length > 0) forms = track.forms;
      n.forms = forms;
      break;
    }
    case 'human_input_form_filled': {
      const node = event.data.node_id ?? undefined;
      // The bridge notes who answered from Slack; a form answered elsewhere (Dify's UI, email) is noted here.
      if (!next.notes.some((x) => x.node !== undefined && x.node === node)) {
        const title = event.data.node_title ? ` — ${event.data.node_title}` : '';
        edit().notes = [
          ...next.notes,
          { at: textLength, text: `✅ *${event.data.action_text || event.data.action_id || 'Answered'}*${title}`, ...(node ? { node } : {}) },
        ];
      }
      break;
    }
    case 'human_input_form_timeout':
      edit().notes = [...next.notes, { at: textLength, text: TIMEOUT_LINE, ...(event.data.node_id ? { node: event.data.node_id } : {}) }];
      break;
    default:
      break;
  }
  return next;
}

/** Keeps a form's own non-empty fields over a reason's. */
function stripEmpty(f: PendingForm): Partial<PendingForm> {
  return Object.fromEntries(
    Object.entries(f).filter(
      ([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v && Object.keys(v).length === 0),
    ),
  );
}

/** The run goes on: the pause's forms are gone, and a line says who chose what (it stays in the answer). */
export function resumeTrack(track: HumanInputTrack, note: { text: string; node?: string } | undefined, textLength: number): HumanInputTrack {
  return {
    ...track,
    paused: false,
    forms: [],
    notes: note ? [...track.notes, { at: textLength, text: note.text, ...(note.node ? { node: note.node } : {}) }] : track.notes,
  };
}

/** The text with the notes at their places (each on its own paragraph). */
export function withNotes(text: string, notes: HumanInputTrack['notes']): string {
  if (notes.length === 0) return text;
  let out = '';
  let from = 0;
  // After a note, the text goes on in a paragraph of its own (its own leading newlines dropped).
  const segment = (a: number, b: number) => (out.endsWith('\n\n') ? text.slice(a, b).replace(/^\n+/, '') : text.slice(a, b));
  for (const note of [...notes].sort((a, b) => a.at - b.at)) {
    const at = Math.min(Math.max(note.at, from), text.length);
    out += segment(from, at);
    out += `${out && !out.endsWith('\n\n') ? (out.endsWith('\n') ? '\n' : '\n\n') : ''}${note.text}\n\n`;
    from = at;
  }
  return (out + segment(from, text.length)).replace(/\n+$/, '');
}

/** The forms of a pause as Markdown, under what has streamed so far (their buttons come with the answer's controls). */
export function pauseMarkdown(track: HumanInputTrack): string {
  return track.forms
    .map((f) => {
      if (!f.token) {
        return f.content || f.nodeId
          ? `⏸ Waiting for an answer by email (step *${neutralizeSlackMarkup(f.node)}*).`
          : '⏸ The workflow is waiting at a Human Input step that Dify did not describe; it can be answered in Dify. This message updates when the run goes on.';
      }
      const body = f.content.trim() ? `\n\n${neutralizeSlackMarkup(f.content.trim())}` : '';
      return `⏸ **${neutralizeSlackMarkup(f.node)}** · waiting for an answer${body}`;
    })
    .join('\n\n');
}
