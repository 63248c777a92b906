/** One input of a Dify app (`user_input_form`), normalised across Dify versions and app types. */
export interface FormField {
  variable: string;
  label: string;
  type: 'text-input' | 'paragraph' | 'select' | 'number' | 'checkbox' | 'file' | 'file-list' | 'json_object';
  required: boolean;
  maxLength?: number;
  options?: string[];
  default?: string;
  /** Dify file types accepted by a file input: image, document, audio, video, custom. */
  fileTypes?: string[];
}

const KNOWN = new Set<FormField['type']>(['text-input', 'paragraph', 'select', 'number', 'checkbox', 'file', 'file-list', 'json_object']);

/**
 * user_input_form is an array of single-key objects, the key being the control type. Unknown
 * controls and `external_data_tool` (filled by Dify itself) are skipped; extra fields ignored.
 */
export function parseInputForm(form: ReadonlyArray<Record<string, unknown>> | null | undefined): FormField[] {
  const fields: FormField[] = [];
  for (const entry of form ?? []) {
    const [type, raw] = Object.entries(entry)[0] ?? [];
    if (!type || !KNOWN.has(type as FormField['type']) || !raw || typeof raw !== 'object') continue;
    const f = raw as Record<string, unknown>;
    if (typeof f['variable'] !== 'string' || !f['variable']) continue;
    if (f['hide'] === true) continue;
    const field: FormField = {
      variable: f['variable'],
      label: typeof f['label'] === 'string' && f['label'] ? f['label'] : f['variable'],
      type: type as FormField['type'],
      required: f['required'] === true,
    };
    if (typeof f['max_length'] === 'number' && f['max_length'] > 0) field.maxLength = f['max_length'];
    if (Array.isArray(f['options'])) {
      const options = f['options'].filter((o): o is string => typeof o === 'string' && o.length > 0);
      if (options.length) field.options = options;
    }
    if (typeof f['default'] === 'string' && f['default'] !== '') field.default = f['default'];
    else if (typeof f['default'] === 'number' || typeof f['default'] === 'boolean') field.default = String(f['default']);
    if (Array.isArray(f['allowed_file_types'])) field.fileTypes = f['allowed_file_types'].filter((t): t is string => typeof t === 'string');
    fields.push(field);
  }
  return fields;
}

export const isTextField = (f: FormField) => f.type === 'text-input' || f.type === 'paragraph';
export const isFileField = (f: FormField) => f.type === 'file' || f.type === 'file-list';

/** The input free text goes to: the app's only text input, else its first required one. */
export function freeTextField(fields: FormField[]): FormField | undefined {
  const text = fields.filter(isTextField);
  if (text.length === 1) return text[0];
  return text.find((f) => f.required);
}

/** Slack's limit for a static select's options ("Maximum number of options is 100", Block Kit select menu element). */
export const STATIC_SELECT_MAX_OPTIONS = 100;
/** Slack's limit for an option's value (Block Kit option object: "Maximum length for this field is 150 characters"). */
export const OPTION_VALUE_MAX = 150;

/** A select whose options do not fit a static menu: the form searches them as one types. */
export const isSearchedSelect = (f: FormField) => f.type === 'select' && (f.options?.length ?? 0) > STATIC_SELECT_MAX_OPTIONS;

/** The value an option carries in Slack: itself, or its position when it is longer than Slack allows. */
export function optionValue(field: FormField, index: number): string {
  const option = field.options![index]!;
  return option.length <= OPTION_VALUE_MAX ? option : `#${index}`;
}

/** The option an option value stands for (the inverse of optionValue). */
export function optionFromValue(field: FormField, value: string): string {
  const m = /^#(\d+)$/.exec(value);
  const long = m ? field.options?.[Number(m[1])] : undefined;
  return long !== undefined && long.length > OPTION_VALUE_MAX ? long : value;
}
