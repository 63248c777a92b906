import { z } from 'zod';
import { checkValue } from '../../core/commands/command-input.js';
import { optionFromValue, type FormField } from '../../core/commands/input-form.js';
import { OPTIONS_ACTION, VALUE_ACTION } from './input-modal.js';

const slackFile = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  mimetype: z.string().nullish(),
  size: z.number().nullish(),
  url_private_download: z.string().nullish(),
  url_private: z.string().nullish(),
});
export type SlackFileRef = z.infer<typeof slackFile>;

/** One element's state in a view_submission; only the fields the bridge reads. */
const elementState = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
  files: z.array(slackFile).nullish(),
});

export const stateValuesSchema = z.record(z.string(), z.record(z.string(), elementState));

export interface ReadSubmission {
  values: Record<string, unknown>;
  files: Record<string, SlackFileRef[]>;
  /** block_id → message, for response_action: errors. */
  errors: Record<string, string>;
}

/** Reads and checks a submitted input form against the app's fields. */
export function readSubmission(fields: FormField[], state: z.infer<typeof stateValuesSchema>): ReadSubmission {
  const values: Record<string, unknown> = {};
  const files: Record<string, SlackFileRef[]> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const el = state[field.variable]?.[VALUE_ACTION] ?? state[field.variable]?.[OPTIONS_ACTION];
    if (field.type === 'file' || field.type === 'file-list') {
      const list = el?.files ?? [];
      if (list.length) files[field.variable] = list;
      else if (field.required) errors[field.variable] = 'Please attach a file.';
      continue;
    }
    if (field.type === 'checkbox') {
      values[field.variable] = (el?.selected_options ?? []).some((o) => o.value === 'true');
      continue;
    }
    const selected = el?.selected_option?.value;
    const raw = field.type === 'select' ? (selected ? optionFromValue(field, selected) : selected) : el?.value;
    if (raw === undefined || raw === null || raw === '') {
      if (field.required) errors[field.variable] = 'This is required.';
      continue;
    }
    const checked = checkValue(field, raw);
    if ('error' in checked) errors[field.variable] = checked.error;
    else values[field.variable] = checked.value;
  }
  return { values, files, errors };
}
