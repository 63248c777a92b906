import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { FormField } from '../../core/commands/input-form.js';
import type { FormToFill } from '../../core/runs/run-follower.js';
import type { PauseField } from '../../core/streaming/human-input-state.js';
import { inputBlocks, plain } from './input-modal.js';

export const HUMAN_INPUT_CALLBACK_ID = 'dify_human_input';

/** What the modal carries to its submission: the press it answers. */
export const humanInputMetadataSchema = z.object({
  teamId: z.string(),
  runId: z.string().min(1),
  pause: z.number().int(),
  index: z.number().int(),
  actionId: z.string().min(1),
  channel: z.string(),
});

/** "refund_reason" → "Refund reason". */
const label = (name: string) => {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
};

/** A Human Input field as a modal field: text and paragraphs may stay empty (Dify takes ""), a select must be chosen. */
export function asFormField(f: PauseField): FormField {
  switch (f.type) {
    case 'select':
      return {
        variable: f.name,
        label: label(f.name),
        type: 'select',
        required: true,
        ...(f.options && f.options.length > 0 ? { options: f.options.slice(0, 100) } : {}),
      };
    case 'file':
    case 'file-list':
      return { variable: f.name, label: label(f.name), type: f.type, required: false, ...(f.maxFiles !== undefined ? { maxLength: f.maxFiles } : {}) };
    case 'paragraph':
      return { variable: f.name, label: label(f.name), type: 'paragraph', required: false };
    default:
      return { variable: f.name, label: label(f.name), type: 'text-input', required: false };
  }
}

/** The modal of a form with inputs: its content, one field per input (Dify's defaults filled in), the chosen action as the submit button. */
export function humanInputModal(form: FormToFill, channel: string): ModalView {
  const blocks: KnownBlock[] = [];
  if (form.content.trim()) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: form.content.trim().slice(0, 3000) } });
  blocks.push(...inputBlocks(form.fields.slice(0, 90).map(asFormField), form.defaults));
  const { press } = form;
  return {
    type: 'modal',
    callback_id: HUMAN_INPUT_CALLBACK_ID,
    title: plain(form.node, 24),
    submit: plain(form.actionTitle, 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({ teamId: press.teamId, runId: press.runId, pause: press.pause, index: press.index, actionId: press.actionId, channel }),
    blocks,
  };
}
