import type { InputBlockElement, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { AppDescription } from '../../core/apps/app-catalog.js';
import { isSearchedSelect, optionValue, type FormField } from '../../core/commands/input-form.js';

export const INPUTS_CALLBACK_ID = 'dify_inputs';
export const VALUE_ACTION = 'value';
/** The action id of a select whose options the bridge serves (external_select). */
export const OPTIONS_ACTION = 'dify_options';

/** What the form carries from the command to its submission. */
export const modalMetadataSchema = z.object({
  app: z.string(),
  channel: z.string(),
  responseUrl: z.string(),
});
export type ModalMetadata = z.infer<typeof modalMetadataSchema>;

export const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: text.length > max ? `${text.slice(0, max - 1)}…` : text });
/** An option of a select field (text cut to Slack's 75 characters; the value stands for the whole option). */
export const option = (field: FormField, index: number): PlainTextOption => ({ text: plain(field.options![index]!, 75), value: optionValue(field, index) });

/** Slack's limit of options in one block_suggestion answer (as in a static select). */
const SUGGESTED_OPTIONS_MAX = 100;

/** The options of a searched select that match what the person typed, at most Slack's 100. */
export function matchingOptions(field: FormField, typed: string): PlainTextOption[] {
  const q = typed.trim().toLowerCase();
  const out: PlainTextOption[] = [];
  for (let i = 0; i < (field.options ?? []).length && out.length < SUGGESTED_OPTIONS_MAX; i++) {
    if (!q || field.options![i]!.toLowerCase().includes(q)) out.push(option(field, i));
  }
  return out;
}

/** The Block Kit element for one Dify input. */
function element(field: FormField, prefill: unknown): InputBlockElement {
  const initial = prefill ?? field.default;
  const action_id = VALUE_ACTION;
  switch (field.type) {
    case 'paragraph':
    case 'json_object':
      return {
        type: 'plain_text_input',
        action_id,
        multiline: true,
        ...(field.maxLength !== undefined ? { max_length: Math.min(field.maxLength, 3000) } : {}),
        ...(initial !== undefined ? { initial_value: typeof initial === 'string' ? initial : JSON.stringify(initial) } : {}),
      };
    case 'select': {
      const all = field.options ?? [];
      const at = initial === undefined ? -1 : all.indexOf(String(initial));
      const chosen = at >= 0 ? option(field, at) : undefined;
      // Past Slack's 100 options, the bridge serves them as the person types (block_suggestion).
      if (isSearchedSelect(field)) {
        return {
          type: 'external_select',
          action_id: OPTIONS_ACTION,
          min_query_length: 0,
          placeholder: plain(`Type to search ${all.length} options`, 150),
          ...(chosen ? { initial_option: chosen } : {}),
        };
      }
      return { type: 'static_select', action_id, options: all.map((_, i) => option(field, i)), ...(chosen ? { initial_option: chosen } : {}) };
    }
    case 'number':
      return {
        type: 'number_input',
        action_id,
        is_decimal_allowed: true,
        ...(initial !== undefined && Number.isFinite(Number(initial)) ? { initial_value: String(initial) } : {}),
      };
    case 'checkbox': {
      const yes = { text: plain(field.label, 75), value: 'true' };
      const checked = initial === true || initial === 'true';
      return { type: 'checkboxes', action_id, options: [yes], ...(checked ? { initial_options: [yes] } : {}) };
    }
    case 'file':
    case 'file-list':
      return { type: 'file_input', action_id, max_files: field.type === 'file' ? 1 : Math.min(field.maxLength ?? 10, 10) };
    default:
      return {
        type: 'plain_text_input',
        action_id,
        ...(field.maxLength !== undefined ? { max_length: Math.min(field.maxLength, 3000) } : {}),
        ...(initial !== undefined ? { initial_value: String(initial) } : {}),
      };
  }
}

/** One input block per field (block_id = the variable), with what is already known filled in. */
export function inputBlocks(fields: FormField[], prefill: Record<string, unknown>): KnownBlock[] {
  return fields.map((field) => ({
    type: 'input',
    block_id: field.variable,
    // A checkbox left unticked is a value (false), never "missing".
    optional: !field.required || field.type === 'checkbox',
    label: plain(field.label, 2000),
    element: element(field, prefill[field.variable]),
  }));
}

/** A modal generated from the app's user_input_form, with what the user already typed filled in. */
export function inputModal(app: AppDescription, prefill: Record<string, unknown>, meta: ModalMetadata): ModalView {
  const blocks: KnownBlock[] = [];
  const about = app.description || (app.title !== app.id ? app.title : '');
  if (about) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: about.slice(0, 2900) }] });
  blocks.push(...inputBlocks(app.fields.slice(0, 99), prefill));
  return {
    type: 'modal',
    callback_id: INPUTS_CALLBACK_ID,
    title: plain(app.id, 24),
    submit: plain('Run', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}
