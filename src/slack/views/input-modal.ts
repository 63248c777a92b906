import type { InputBlockElement, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import type { AppDescription } from '../../core/app-catalog.js';
import type { FormField } from '../../core/input-form.js';

export const INPUTS_CALLBACK_ID = 'dify_inputs';
export const VALUE_ACTION = 'value';

/** What the form carries from the command to its submission. */
export const modalMetadataSchema = z.object({
  app: z.string(),
  channel: z.string(),
  responseUrl: z.string(),
});
export type ModalMetadata = z.infer<typeof modalMetadataSchema>;

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: text.length > max ? `${text.slice(0, max - 1)}…` : text });
const option = (value: string): PlainTextOption => ({ text: plain(value, 75), value: value.slice(0, 150) });

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
        ...(field.maxLength ? { max_length: Math.min(field.maxLength, 3000) } : {}),
        ...(initial !== undefined ? { initial_value: typeof initial === 'string' ? initial : JSON.stringify(initial) } : {}),
      };
    case 'select': {
      const options = (field.options ?? []).slice(0, 100).map(option);
      const chosen = options.find((o) => o.value === String(initial));
      return { type: 'static_select', action_id, options, ...(chosen ? { initial_option: chosen } : {}) };
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
        ...(field.maxLength ? { max_length: Math.min(field.maxLength, 3000) } : {}),
        ...(initial !== undefined ? { initial_value: String(initial) } : {}),
      };
  }
}

/** A modal generated from the app's user_input_form, with what the user already typed filled in. */
export function inputModal(app: AppDescription, prefill: Record<string, unknown>, meta: ModalMetadata): ModalView {
  const blocks: KnownBlock[] = [];
  const about = app.description || (app.title !== app.id ? app.title : '');
  if (about) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: about.slice(0, 2900) }] });
  for (const field of app.fields.slice(0, 99)) {
    blocks.push({
      type: 'input',
      block_id: field.variable,
      // A checkbox left unticked is a value (false), never "missing".
      optional: !field.required || field.type === 'checkbox',
      label: plain(field.label, 2000),
      element: element(field, prefill[field.variable]),
    });
  }
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
