import { freeTextField, isFileField, isSearchedSelect, type FormField } from './input-form.js';

export interface ParsedCommand {
  /** First word: the app's name (absent for `/dify` alone). */
  app?: string;
  /** Everything after the app name. */
  rest: string;
}

/** `/dify summarize the text…` → app "summarize", rest "the text…". */
export function splitCommand(text: string): ParsedCommand {
  const trimmed = text.trim();
  if (!trimmed) return { rest: '' };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed)!;
  return { app: m[1]!, rest: m[2]! };
}

export interface FilledInputs {
  inputs: Record<string, unknown>;
  /** Required inputs with no value (a form will ask for them). */
  missing: FormField[];
  /** Values that do not fit the form, one short sentence each. */
  errors: string[];
}

// key=value, key="a quoted value", key='quoted'; phones turn quotes into “smart” ones.
const PAIR = /(^|\s)([A-Za-z_][\w-]*)=("(?:[^"\\]|\\.)*"|“[^”]*”|'(?:[^'\\]|\\.)*'|‘[^’]*’|\S*)/g;

function unquote(v: string): string {
  const first = v[0];
  if ((first === '"' || first === "'") && v.endsWith(first) && v.length >= 2) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  if ((first === '“' && v.endsWith('”')) || (first === '‘' && v.endsWith('’'))) return v.slice(1, -1);
  return v;
}

/**
 * Fills an app's inputs from the text after the app name: a JSON object, or key=value pairs
 * (by variable name) plus free text for the app's text input. Values are checked against the
 * form before Dify is called.
 */
export function fillInputs(fields: FormField[], rest: string): FilledInputs {
  const byName = new Map(fields.map((f) => [f.variable, f]));
  const raw: Record<string, unknown> = {};
  const errors: string[] = [];
  const text = rest.trim();

  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { inputs: {}, missing: [], errors: ['The inputs look like JSON but are not valid JSON.'] };
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { inputs: {}, missing: [], errors: ['JSON inputs must be an object, like {"topic": "…"}.'] };
    }
    Object.assign(raw, parsed);
  } else {
    const unknown: string[] = [];
    let free = text.replace(PAIR, (whole, lead: string, key: string, value: string) => {
      if (!byName.has(key)) {
        unknown.push(key);
        return whole; // "x=y" inside a sentence stays text
      }
      raw[key] = unquote(value);
      return lead;
    });
    free = free.replace(/\s+/g, ' ').trim();
    // Only unknown key=value pairs left: a typo in an input's name, not text.
    if (unknown.length > 0 && free.replace(PAIR, '$1').trim() === '') {
      return { inputs: {}, missing: [], errors: unknown.map((k) => `Unknown input "${k}". ${usageOf(fields)}`) };
    }
    if (free) {
      const target = freeTextField(fields);
      if (!target) errors.push(`This app has no text input for "${free.length > 40 ? free.slice(0, 40) + '…' : free}". ${usageOf(fields)}`);
      else if (raw[target.variable] === undefined) raw[target.variable] = free;
      else errors.push(`"${target.variable}" is given twice (as ${target.variable}=… and as free text).`);
    }
  }

  for (const key of Object.keys(raw)) if (!byName.has(key)) errors.push(`Unknown input "${key}". ${usageOf(fields)}`);
  // In the form's order, so summaries and echoes read like the form.
  const inputs: Record<string, unknown> = {};
  for (const field of fields) {
    if (raw[field.variable] === undefined) continue;
    const checked = checkValue(field, raw[field.variable]);
    if ('error' in checked) errors.push(checked.error);
    else inputs[field.variable] = checked.value;
  }
  const missing = fields.filter((f) => f.required && (inputs[f.variable] === undefined || inputs[f.variable] === ''));
  return { inputs, missing, errors };
}

/** Checks one value against its field; returns the value to send Dify or a short error. */
export function checkValue(field: FormField, value: unknown): { value: unknown } | { error: string } {
  const name = `"${field.label}"`;
  switch (field.type) {
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `${name} must be a number.` };
    }
    case 'checkbox': {
      if (typeof value === 'boolean') return { value };
      const s = String(value).toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(s)) return { value: true };
      if (['false', 'no', 'off', '0'].includes(s)) return { value: false };
      return { error: `${name} must be true or false.` };
    }
    case 'select': {
      const s = String(value);
      if (field.options && !field.options.includes(s)) {
        const some =
          field.options.length > 10
            ? `${field.options.slice(0, 10).join(', ')}, … (${field.options.length} in all; the form searches them)`
            : field.options.join(', ');
        return { error: `${name} must be one of: ${some}.` };
      }
      return { value: s };
    }
    case 'json_object': {
      if (value && typeof value === 'object' && !Array.isArray(value)) return { value };
      try {
        const parsed: unknown = JSON.parse(String(value));
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { value: parsed };
      } catch {
        // reported below
      }
      return { error: `${name} must be a JSON object.` };
    }
    case 'file':
    case 'file-list':
      return { error: `${name} is a file: attach it in the form (run the command with the app name alone).` };
    default: {
      if (typeof value !== 'string' && typeof value !== 'number') return { error: `${name} must be text.` };
      const s = String(value);
      if (field.maxLength !== undefined && s.length > field.maxLength)
        return { error: `${name} is too long (${s.length} characters; at most ${field.maxLength}).` };
      return { value: s };
    }
  }
}

/** "Inputs: topic (required), lang: fr|de" — the short reminder shown with input errors. */
export function usageOf(fields: FormField[]): string {
  if (fields.length === 0) return 'This app takes no inputs.';
  return `Its inputs are: ${fields.map((f) => describeField(f)).join(', ')}.`;
}

export function describeField(f: FormField): string {
  const kind = f.options ? describeOptions(f) : isFileField(f) ? f.type : f.type === 'paragraph' || f.type === 'text-input' ? 'text' : f.type;
  return `${f.variable} (${kind}${f.required ? ', required' : ''})`;
}

/** A few options inline; a long list says how the form offers it. */
function describeOptions(f: FormField): string {
  const options = f.options!;
  if (options.length <= 10) return options.join('|');
  const how = isSearchedSelect(f) ? 'a menu that searches as you type' : 'a menu';
  return `${options.slice(0, 5).join('|')}|… ${options.length} options, ${how} in the form`;
}
