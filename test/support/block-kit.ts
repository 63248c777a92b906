import { readFileSync } from 'node:fs';

/**
 * What Slack accepts in blocks, as Slack documents it, for the fake Slack to refuse the rest
 * the way Slack does: `invalid_blocks` (messages) or `invalid_arguments` (views), each problem
 * as "[ERROR] … [json-pointer:/blocks/0/text/text]" in response_metadata.messages.
 *
 * Which blocks each surface takes and which elements each block holds come from Slack's own
 * table, ../shared/conformance/slack/blocks.json (docs.slack.dev/blocks.json). Each limit below
 * cites the Block Kit reference page it comes from (docs.slack.dev/reference/block-kit/…).
 */
export type Surface = 'Messages' | 'Modals' | 'Home tabs';

interface BlockRow {
  name: string;
  'available-in-surfaces': Surface[];
  'compatible-block-elements'?: string[];
}
const TABLE = JSON.parse(readFileSync(new URL('../../../shared/conformance/slack/blocks.json', import.meta.url), 'utf8')) as BlockRow[];

/** Block `type` → its name in blocks.json. */
const BLOCK_NAMES: Record<string, string> = {
  actions: 'Actions',
  alert: 'Alert',
  card: 'Card',
  carousel: 'Carousel',
  container: 'Container',
  context: 'Context',
  context_actions: 'Context actions',
  data_table: 'Data table',
  data_visualization: 'Data visualization',
  divider: 'Divider',
  file: 'File',
  header: 'Header',
  image: 'Image',
  input: 'Input',
  markdown: 'Markdown',
  plan: 'Plan',
  rich_text: 'Rich text',
  section: 'Section',
  table: 'Table',
  task_card: 'Task card',
  video: 'Video',
};
/** Element `type` → its name in blocks.json. */
const ELEMENT_NAMES: Record<string, string> = {
  button: 'Button',
  checkboxes: 'Checkboxes',
  datepicker: 'Date picker',
  datetimepicker: 'Datetime picker',
  multi_static_select: 'Multi-select menu',
  multi_external_select: 'Multi-select menu',
  multi_users_select: 'Multi-select menu',
  multi_conversations_select: 'Multi-select menu',
  multi_channels_select: 'Multi-select menu',
  overflow: 'Overflow menu',
  radio_buttons: 'Radio button',
  rich_text_input: 'Rich text input',
  static_select: 'Select menu',
  external_select: 'Select menu',
  users_select: 'Select menu',
  conversations_select: 'Select menu',
  channels_select: 'Select menu',
  timepicker: 'Time picker',
  workflow_button: 'Workflow buttons',
  email_text_input: 'Email input',
  file_input: 'File input',
  number_input: 'Number input',
  plain_text_input: 'Plain-text input',
  url_text_input: 'URL input',
  image: 'Image',
  feedback_buttons: 'Feedback buttons',
  icon_button: 'Icon button',
};
const SELECTS = new Set(['static_select', 'external_select', 'multi_static_select', 'multi_external_select']);

type Json = Record<string, unknown>;

/** Checks a surface's blocks; returns Slack-style error lines, none when Slack would accept them. */
export function blockErrors(blocks: unknown, surface: Surface, base = '/blocks'): string[] {
  const errors: string[] = [];
  const err = (pointer: string, message: string) => errors.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  if (!Array.isArray(blocks)) {
    err(base, 'must be an array');
    return errors;
  }
  // "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs" (reference/block-kit/blocks).
  const max = surface === 'Messages' ? 50 : 100;
  if (blocks.length > max) err(base, `no more than ${max} items allowed`);
  let markdownChars = 0;
  let tables = 0;
  let charts = 0;
  blocks.forEach((raw, i) => {
    const at = `${base}/${i}`;
    if (!raw || typeof raw !== 'object') return err(at, 'must be an object');
    const b = raw as Json;
    const type = String(b['type']);
    const name = BLOCK_NAMES[type];
    const row = TABLE.find((r) => r.name === name);
    if (!row) return err(`${at}/type`, `unknown block type ${type}`);
    if (!row['available-in-surfaces'].includes(surface)) return err(`${at}/type`, `${type} blocks are not allowed in ${surface.toLowerCase()}`);
    // block_id: "Maximum length for this field is 255 characters" (every block's reference page).
    if (b['block_id'] !== undefined) checkText(b['block_id'], 255, `${at}/block_id`, err);
    const allowed = (row['compatible-block-elements'] ?? []).map((e) => e.trim()).filter(Boolean);
    const element = (el: unknown, p: string) => checkElement(el, p, allowed, surface, err);
    switch (type) {
      case 'section': {
        // reference/block-kit/blocks/section-block: text 1–3,000; fields ≤10, each ≤2,000; text or fields.
        if (b['text'] === undefined && b['fields'] === undefined) err(at, 'must provide text or fields');
        if (b['text'] !== undefined) checkTextObject(b['text'], 3000, `${at}/text`, err);
        if (b['fields'] !== undefined) {
          if (!Array.isArray(b['fields']) || b['fields'].length > 10) err(`${at}/fields`, 'no more than 10 items allowed');
          else b['fields'].forEach((f, j) => checkTextObject(f, 2000, `${at}/fields/${j}`, err));
        }
        if (b['accessory'] !== undefined) element(b['accessory'], `${at}/accessory`);
        break;
      }
      case 'header':
        // reference/block-kit/blocks/header-block: plain_text, at most 150 characters.
        checkTextObject(b['text'], 150, `${at}/text`, err, 'plain_text');
        break;
      case 'markdown':
        // reference/block-kit/blocks/markdown-block: "The cumulative limit for all markdown blocks in a single payload is 12,000 characters."
        if (typeof b['text'] !== 'string' || b['text'] === '') err(`${at}/text`, 'must be a non-empty string');
        else markdownChars += b['text'].length;
        break;
      case 'context': {
        // reference/block-kit/blocks/context-block: 1–10 elements, images and text objects.
        const els = b['elements'];
        if (!Array.isArray(els) || els.length === 0 || els.length > 10) err(`${at}/elements`, 'must have 1 to 10 items');
        else els.forEach((e, j) => (isTextObject(e) ? checkTextObject(e, 3000, `${at}/elements/${j}`, err) : element(e, `${at}/elements/${j}`)));
        break;
      }
      case 'actions': {
        // reference/block-kit/blocks/actions-block: up to 25 elements.
        const els = b['elements'];
        if (!Array.isArray(els) || els.length === 0 || els.length > 25) err(`${at}/elements`, 'must have 1 to 25 items');
        else els.forEach((e, j) => element(e, `${at}/elements/${j}`));
        break;
      }
      case 'context_actions': {
        // reference/block-kit/blocks/context-actions-block: up to 5 elements (feedback and icon buttons).
        const els = b['elements'];
        if (!Array.isArray(els) || els.length === 0 || els.length > 5) err(`${at}/elements`, 'must have 1 to 5 items');
        else els.forEach((e, j) => element(e, `${at}/elements/${j}`));
        break;
      }
      case 'input':
        // reference/block-kit/blocks/input-block: label plain_text ≤2,000, hint ≤2,000, one element.
        checkTextObject(b['label'], 2000, `${at}/label`, err, 'plain_text');
        if (b['hint'] !== undefined) checkTextObject(b['hint'], 2000, `${at}/hint`, err, 'plain_text');
        if (b['element'] === undefined) err(`${at}/element`, 'is required');
        else element(b['element'], `${at}/element`);
        break;
      case 'table': {
        // reference/block-kit/blocks/table-block: ≤100 rows, ≤20 cells a row, ≤20 column_settings; raw_text (text ≥1) or rich_text cells.
        tables += 1;
        const rows = b['rows'];
        if (!Array.isArray(rows) || rows.length === 0) err(`${at}/rows`, 'is required');
        else {
          if (rows.length > 100) err(`${at}/rows`, 'no more than 100 items allowed');
          rows.forEach((r, ri) => {
            if (!Array.isArray(r) || r.length === 0) return err(`${at}/rows/${ri}`, 'must be a non-empty array');
            if (r.length > 20) err(`${at}/rows/${ri}`, 'no more than 20 items allowed');
            r.forEach((c, ci) => {
              const cell = c as Json;
              const p = `${at}/rows/${ri}/${ci}`;
              if (cell['type'] === 'raw_text') checkText(cell['text'], 100_000, `${p}/text`, err);
              else if (cell['type'] !== 'rich_text' || !Array.isArray(cell['elements'])) err(p, 'must be a raw_text or rich_text cell');
            });
          });
        }
        const settings = b['column_settings'];
        if (settings !== undefined && (!Array.isArray(settings) || settings.length > 20)) err(`${at}/column_settings`, 'no more than 20 items allowed');
        break;
      }
      case 'data_visualization': {
        // reference/block-kit/blocks/data-visualization-block: title ≤50; pie (1–6 segments, label ≤20, value > 0),
        // bar/area/line (1–6 series, one point per category, category labels ≤20, axis titles ≤50).
        charts += 1;
        checkText(b['title'], 50, `${at}/title`, err);
        const chart = (b['chart'] ?? {}) as Json;
        const kind = String(chart['type']);
        if (!['pie', 'bar', 'area', 'line'].includes(kind)) err(`${at}/chart/type`, `must be one of pie, bar, area, line`);
        const label = (v: unknown, p: string) => checkText(v, 20, p, err);
        if (kind === 'pie') {
          const segments = chart['segments'];
          if (!Array.isArray(segments) || segments.length < 1 || segments.length > 6) err(`${at}/chart/segments`, 'must hold 1 to 6 segments');
          else
            segments.forEach((s, si) => {
              label((s as Json)['label'], `${at}/chart/segments/${si}/label`);
              if (!(typeof (s as Json)['value'] === 'number' && ((s as Json)['value'] as number) > 0))
                err(`${at}/chart/segments/${si}/value`, 'must be a number > 0');
            });
        } else {
          const categories = (chart['axis_config'] as Json | undefined)?.['categories'];
          const series = chart['series'];
          if (!Array.isArray(categories) || categories.length === 0) err(`${at}/chart/axis_config/categories`, 'is required');
          else categories.forEach((c, ci) => label(c, `${at}/chart/axis_config/categories/${ci}`));
          if (!Array.isArray(series) || series.length < 1 || series.length > 6) err(`${at}/chart/series`, 'must hold 1 to 6 series');
          else
            series.forEach((s, si) => {
              label((s as Json)['name'], `${at}/chart/series/${si}/name`);
              const data = (s as Json)['data'];
              if (!Array.isArray(data) || (Array.isArray(categories) && data.length !== categories.length))
                err(`${at}/chart/series/${si}/data`, 'must hold one point per category');
            });
          for (const axis of ['x_label', 'y_label']) {
            const v = (chart['axis_config'] as Json | undefined)?.[axis];
            if (v !== undefined) checkText(v, 50, `${at}/chart/axis_config/${axis}`, err);
          }
        }
        break;
      }
      case 'image':
        // reference/block-kit/blocks/image-block: alt_text ≤2,000, image_url ≤3,000, title ≤2,000.
        checkText(b['alt_text'], 2000, `${at}/alt_text`, err);
        if (b['image_url'] !== undefined) checkText(b['image_url'], 3000, `${at}/image_url`, err);
        if (b['title'] !== undefined) checkTextObject(b['title'], 2000, `${at}/title`, err, 'plain_text');
        break;
      default:
        break;
    }
  });
  if (markdownChars > 12_000) err(base, `markdown blocks hold ${markdownChars} characters, more than 12000 in one payload`);
  // "one table per message" (the table block's usage notes, as reported; see slack-platform.md §14.3).
  if (tables > 1) err(base, `${tables} table blocks; only one table is allowed per message`);
  // "at most two per message" (reported for data_visualization; slack-platform.md §14.3).
  if (charts > 2) err(base, `${charts} data_visualization blocks; at most two are allowed per message`);
  return errors;
}

/** A modal or Home tab view (views.open/update/push/publish). */
export function viewErrors(view: unknown): string[] {
  const errors: string[] = [];
  const err = (pointer: string, message: string) => errors.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
  if (!view || typeof view !== 'object') return ['[ERROR] must be an object [json-pointer:/view]'];
  const v = view as Json;
  const surface: Surface = v['type'] === 'home' ? 'Home tabs' : 'Modals';
  if (v['type'] !== 'modal' && v['type'] !== 'home') err('/view/type', 'must be modal or home');
  // reference/views/modal-views ("View objects"): title, submit, close ≤24; private_metadata ≤3,000; callback_id ≤255.
  if (surface === 'Modals') {
    checkTextObject(v['title'], 24, '/view/title', err, 'plain_text');
    if (v['submit'] !== undefined) checkTextObject(v['submit'], 24, '/view/submit', err, 'plain_text');
    if (v['close'] !== undefined) checkTextObject(v['close'], 24, '/view/close', err, 'plain_text');
    // "submit … required when an input block is within the blocks array".
    if (v['submit'] === undefined && Array.isArray(v['blocks']) && v['blocks'].some((b) => (b as Json)['type'] === 'input'))
      err('/view/submit', 'is required when the view has input blocks');
  }
  if (v['private_metadata'] !== undefined) checkText(v['private_metadata'], 3000, '/view/private_metadata', err, 0);
  if (v['callback_id'] !== undefined) checkText(v['callback_id'], 255, '/view/callback_id', err, 0);
  errors.push(...blockErrors(v['blocks'], surface, '/view/blocks'));
  return errors;
}

/**
 * What Slack accepts but a person reads wrong: Slack writes "(optional)" after an optional
 * input's label itself, so a label that says it too reads "… (optional) (optional)".
 */
export function viewLookProblems(view: unknown): string[] {
  const blocks = view && typeof view === 'object' && Array.isArray((view as Json)['blocks']) ? ((view as Json)['blocks'] as Json[]) : [];
  return blocks.flatMap((b, i) => {
    const label = (b['label'] as Json | undefined)?.['text'];
    return b['type'] === 'input' && b['optional'] === true && typeof label === 'string' && /\(optional\)/i.test(label)
      ? [`/view/blocks/${i}/label: "${label}" on an optional input reads "${label} (optional)" in Slack, which adds "(optional)" itself`]
      : [];
  });
}

const isTextObject = (o: unknown) => !!o && typeof o === 'object' && ((o as Json)['type'] === 'plain_text' || (o as Json)['type'] === 'mrkdwn');

function checkText(value: unknown, max: number, pointer: string, err: (p: string, m: string) => void, min = 1): void {
  if (typeof value !== 'string') return err(pointer, 'must be a string');
  if (value.length < min) return err(pointer, `must be at least ${min} characters`);
  if (value.length > max) err(pointer, `must be less than ${max + 1} characters`);
}

/** A text object (reference/block-kit/composition-objects/text-object): type, then text of 1 to `max` characters. */
function checkTextObject(o: unknown, max: number, pointer: string, err: (p: string, m: string) => void, only?: 'plain_text'): void {
  if (!isTextObject(o)) return err(`${pointer}/type`, 'must be a text object (plain_text or mrkdwn)');
  if (only && (o as Json)['type'] !== only) return err(`${pointer}/type`, `must be ${only}`);
  checkText((o as Json)['text'], max, `${pointer}/text`, err);
}

/** An option object (reference/block-kit/composition-objects/option-object): text ≤75, value ≤150, description ≤75. */
function checkOption(o: unknown, pointer: string, err: (p: string, m: string) => void): void {
  if (!o || typeof o !== 'object') return err(pointer, 'must be an object');
  const opt = o as Json;
  checkTextObject(opt['text'], 75, `${pointer}/text`, err);
  checkText(opt['value'], 150, `${pointer}/value`, err);
  if (opt['description'] !== undefined) checkTextObject(opt['description'], 75, `${pointer}/description`, err);
}

function checkElement(raw: unknown, at: string, allowed: string[], surface: Surface, err: (p: string, m: string) => void): void {
  if (!raw || typeof raw !== 'object') return err(at, 'must be an object');
  const e = raw as Json;
  const type = String(e['type']);
  const name = ELEMENT_NAMES[type];
  if (!name) return err(`${at}/type`, `unknown element type ${type}`);
  if (!allowed.includes(name)) return err(`${at}/type`, `${type} is not allowed in this block`);
  // action_id: "Maximum length is 255 characters" (every interactive element's reference page).
  if (e['action_id'] !== undefined) checkText(e['action_id'], 255, `${at}/action_id`, err);
  if (e['placeholder'] !== undefined) checkTextObject(e['placeholder'], 150, `${at}/placeholder`, err, 'plain_text');
  switch (type) {
    case 'button':
      // reference/block-kit/block-elements/button-element: text ≤75, value ≤2,000, url ≤3,000, style primary|danger.
      checkTextObject(e['text'], 75, `${at}/text`, err, 'plain_text');
      if (e['value'] !== undefined) checkText(e['value'], 2000, `${at}/value`, err);
      if (e['url'] !== undefined) checkText(e['url'], 3000, `${at}/url`, err);
      if (e['style'] !== undefined && e['style'] !== 'primary' && e['style'] !== 'danger') err(`${at}/style`, 'must be primary or danger');
      break;
    case 'feedback_buttons':
      // reference/block-kit/block-elements/feedback-buttons-element: positive_button and negative_button, text ≤75, value ≤2,000.
      for (const side of ['positive_button', 'negative_button']) {
        const button = e[side] as Json | undefined;
        if (!button) {
          err(`${at}/${side}`, 'is required');
          continue;
        }
        checkTextObject(button['text'], 75, `${at}/${side}/text`, err, 'plain_text');
        checkText(button['value'], 2000, `${at}/${side}/value`, err);
      }
      break;
    case 'checkboxes':
    case 'radio_buttons': {
      // reference/block-kit/block-elements/checkboxes-element and radio-button-element: 1–10 options.
      const options = e['options'];
      if (!Array.isArray(options) || options.length === 0 || options.length > 10) err(`${at}/options`, 'must have 1 to 10 items');
      else options.forEach((o, j) => checkOption(o, `${at}/options/${j}`, err));
      break;
    }
    case 'overflow': {
      // reference/block-kit/block-elements/overflow-menu-element: 1–5 options.
      const options = e['options'];
      if (!Array.isArray(options) || options.length === 0 || options.length > 5) err(`${at}/options`, 'must have 1 to 5 items');
      else options.forEach((o, j) => checkOption(o, `${at}/options/${j}`, err));
      break;
    }
    case 'plain_text_input':
      // reference/block-kit/block-elements/plain-text-input-element: max_length ≤3,000, initial_value within it.
      if (e['max_length'] !== undefined && (typeof e['max_length'] !== 'number' || e['max_length'] < 1 || e['max_length'] > 3000))
        err(`${at}/max_length`, 'must be 1 to 3000');
      if (typeof e['initial_value'] === 'string' && e['initial_value'].length > Math.min(Number(e['max_length'] ?? 3000), 3000))
        err(`${at}/initial_value`, 'is longer than max_length');
      break;
    case 'file_input':
      // reference/block-kit/block-elements/file-input-element: max_files 1–10; modals only.
      if (surface !== 'Modals') err(`${at}/type`, 'file_input is only allowed in modals');
      if (e['max_files'] !== undefined && (typeof e['max_files'] !== 'number' || e['max_files'] < 1 || e['max_files'] > 10))
        err(`${at}/max_files`, 'must be 1 to 10');
      break;
    default:
      break;
  }
  if (SELECTS.has(type)) {
    // reference/block-kit/block-elements/select-menu-element: "Maximum number of options is 100"; external_select takes none.
    const options = e['options'];
    if (type.endsWith('external_select')) {
      if (options !== undefined) err(`${at}/options`, 'is not allowed in an external_select');
    } else if (!Array.isArray(options) && !Array.isArray(e['option_groups'])) {
      err(`${at}/options`, 'must provide options or option_groups');
    } else if (Array.isArray(options)) {
      if (options.length === 0 || options.length > 100) err(`${at}/options`, 'must have 1 to 100 items');
      else options.forEach((o, j) => checkOption(o, `${at}/options/${j}`, err));
    }
    if (e['initial_option'] !== undefined) checkOption(e['initial_option'], `${at}/initial_option`, err);
  }
}
